/**
 * The OAuth scopes: consent asks by default for every scope an operation names, and
 * docs/oauth.md's table of scopes per operation is the catalog's. To regenerate the table
 * after changing the catalog: `UPDATE_DOCS=1 npx vitest run test/unit/oauth-scopes.test.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/application/catalog/index.js';
import { configFrom, DEFAULT_JIRA_SCOPES } from '../../src/composition/config.js';

const DOC = path.join(import.meta.dirname, '../../docs/oauth.md');
const START = '<!-- scopes-table:start (generated from the catalog by test/unit/oauth-scopes.test.ts) -->';
const END = '<!-- scopes-table:end -->';

/** The table: one row per operation, in catalog order. */
const scopeTable = (): string =>
  [
    '| Operation | Tool | Route | OAuth scopes |',
    '| --- | --- | --- | --- |',
    ...OPERATIONS.map((op) => `| ${op.title} | \`${op.name}\` | \`${op.http.method.toUpperCase()} ${op.http.path}\` | ${op.scopes.map((s) => `\`${s}\``).join(', ')} |`),
  ].join('\n');

const tableInDoc = (doc: string): string | undefined => {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  return from < 0 || to < from ? undefined : doc.slice(from + START.length, to).trim();
};

describe('OAuth scopes', () => {
  it('every operation names at least one scope, and the default JIRA_OAUTH_SCOPES request all of them', () => {
    const requested = configFrom({}).oauth.scopes;
    expect(requested).toEqual(DEFAULT_JIRA_SCOPES);
    for (const op of OPERATIONS) {
      expect(op.scopes.length, op.name).toBeGreaterThan(0);
      for (const scope of op.scopes) expect(requested, `${op.name} needs ${scope}`).toContain(scope);
    }
    expect(requested).toContain('offline_access');
  });

  it("docs/oauth.md's table of scopes per operation is the catalog's", () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    if (process.env['UPDATE_DOCS'] === '1') {
      const from = doc.indexOf(START);
      const to = doc.indexOf(END);
      expect(from, `docs/oauth.md has no ${START}`).toBeGreaterThanOrEqual(0);
      fs.writeFileSync(DOC, `${doc.slice(0, from + START.length)}\n\n${scopeTable()}\n\n${doc.slice(to)}`);
    }
    expect(tableInDoc(fs.readFileSync(DOC, 'utf8')), 'regenerate with UPDATE_DOCS=1 npx vitest run test/unit/oauth-scopes.test.ts').toBe(scopeTable());
  });

  it('the check catches a table that drifted from the catalog', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const drifted = doc.replace('`jira_add_worklog` |', '`jira_add_worklog` | `read:jira-work`,');
    expect(drifted).not.toBe(doc);
    expect(tableInDoc(drifted)).not.toBe(scopeTable());
  });
});
