/**
 * The error tables newcomers and agents read are held to the code: every error code the
 * service has is in docs/architecture.md with the HTTP status the adapter maps it to, and in
 * docs/mcp.md's table for agents. A code added without documentation fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { statusOf } from '../../src/adapters/http/error-mapper.js';
import { ERROR_CODES } from '../../src/domain/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The rows of a Markdown table whose first cell is a code in backticks (with a reason or not): code -> its cells. */
const rowsByCode = (markdown: string): Map<string, string[][]> => {
  const rows = new Map<string, string[][]>();
  for (const line of markdown.split('\n')) {
    const m = /^\| `([A-Z_]+)`( \+ reason `[a-z_]+`)? \|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[3]!.split('|').map((c) => c.trim());
    rows.set(m[1]!, [...(rows.get(m[1]!) ?? []), cells]);
  }
  return rows;
};

describe('the documented error tables', () => {
  it('docs/architecture.md lists every code with the status it answers', () => {
    const rows = rowsByCode(read('docs/architecture.md'));
    for (const code of ERROR_CODES) {
      const found = rows.get(code);
      expect(found, `${code} in docs/architecture.md`).toBeDefined();
      const status = String(statusOf({ code }));
      expect(found!.some((cells) => cells[0]!.replace(/\*/g, '').startsWith(status)), `${code} answers ${status}`).toBe(true);
    }
  });

  it('docs/mcp.md tells agents what to do about every code a tool can give', () => {
    const rows = rowsByCode(read('docs/mcp.md'));
    // UNAUTHORIZED is the callers' refusal (API keys, JWTs) before any tool runs; mcp.md says so under its table.
    for (const code of ERROR_CODES.filter((c) => c !== 'UNAUTHORIZED')) expect(rows.get(code), `${code} in docs/mcp.md`).toBeDefined();
    expect(read('docs/mcp.md')).toContain('`UNAUTHORIZED` exists in the error table');
  });
});
