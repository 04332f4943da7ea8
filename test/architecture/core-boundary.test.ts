import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

const lint = async (filePath: string, code: string, rule = 'no-restricted-imports') => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === rule);
};

describe('the core boundary lint rule', () => {
  const forbidden = [
    "import Koa from 'koa';",
    "import Router from '@koa/router';",
    "import got from 'got';",
    "import { Kysely } from 'kysely';",
    "import Database from 'better-sqlite3';",
    "import pino from 'pino';",
    "import { container } from 'tsyringe';",
    "import { x } from '../adapters/kysely/database.js';",
    "import { y } from '../../adapters/http/app.js';",
  ];

  for (const where of ['src/domain/sample.ts', 'src/application/sample.ts']) {
    for (const line of forbidden) {
      it(`refuses ${line} in ${where}`, async () => {
        const messages = await lint(where, `${line}\nexport const z = 1;\n`);
        expect(messages.length).toBe(1);
      });
    }
  }

  it('allows fp-ts, io-ts and node built-ins in the core', async () => {
    const messages = await lint(
      'src/application/sample.ts',
      "import * as TE from 'fp-ts/lib/TaskEither.js';\nimport * as t from 'io-ts';\nimport { randomUUID } from 'node:crypto';\nexport const a = [TE, t, randomUUID];\n",
    );
    expect(messages).toEqual([]);
  });

  it('allows adapters to import frameworks but keeps tsyringe in the composition root', async () => {
    expect(await lint('src/adapters/http/sample.ts', "import Koa from 'koa';\nexport const a = Koa;\n")).toEqual([]);
    expect(await lint('src/adapters/http/sample.ts', "import { container } from 'tsyringe';\nexport const a = container;\n")).toHaveLength(1);
    expect(await lint('src/composition/sample.ts', "import { container } from 'tsyringe';\nexport const a = container;\n")).toEqual([]);
  });

  it('applies the core rule to src/domain and src/application whatever else applies to src (the blocks do not replace each other)', async () => {
    // tsyringe is refused in the core by the core rule, koa too: both messages name the core.
    for (const where of ['src/domain/sample.ts', 'src/application/ports/sample.ts', 'src/entry/core.ts']) {
      const [koa] = await lint(where, "import Koa from 'koa';\nexport const a = Koa;\n");
      expect(koa?.message, where).toMatch(/framework-free/);
      const [di] = await lint(where, "import { container } from 'tsyringe';\nexport const a = container;\n");
      expect(di?.message, where).toMatch(/framework-free/);
    }
  });
});

describe('the adapter isolation lint rule', () => {
  const RULE = 'boundaries/adapter-isolation';
  const crossing = [
    ['src/adapters/mcp/sample.ts', "import { toHttpError } from '../http/error-mapper.js';"],
    ['src/adapters/http/routes/sample.ts', "import type * as M from '../../mcp/mcp-http.js';"],
    ['src/adapters/undici/sample.ts', "import { isPublicAddress } from '../net/dns-site-url-guard.js';"],
    ['src/adapters/undici/sample.ts', "export { x } from '../../adapters/kysely/database.js';"],
    ['src/adapters/http/sample.ts', "export * from '../pino/pino-logger.js';"],
    ['src/adapters/http/sample.ts', "const m = await import('../mcp/mcp-http.js');"],
  ] as const;
  for (const [where, line] of crossing) {
    it(`refuses ${line} in ${where}`, async () => {
      const messages = await lint(where, `${line}\nexport const z = 1;\n`, RULE);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.message).toMatch(/must not import src\/adapters\//);
    });
  }

  it('allows an adapter its own folder, the core, and libraries; and the composition root every adapter', async () => {
    const ok = [
      ['src/adapters/http/routes/sample.ts', "import { json } from '../route-spec.js';"],
      ['src/adapters/undici/sample.ts', "import { isPublicAddress } from '../../domain/public-address.js';"],
      ['src/adapters/mcp/sample.ts', "import { Server } from '@modelcontextprotocol/sdk/server/index.js';"],
      ['src/composition/sample.ts', "import { createHttpApp } from '../adapters/http/app.js';"],
    ] as const;
    for (const [where, line] of ok) expect(await lint(where, `${line}\nexport const z = 1;\n`, RULE), `${where}: ${line}`).toEqual([]);
  });

  it('finds no adapter importing another in the source tree', async () => {
    const results = await eslint.lintFiles(['src/adapters/**/*.ts']);
    expect(results.flatMap((r) => r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath}: ${m.message}`))).toEqual([]);
  });
});
