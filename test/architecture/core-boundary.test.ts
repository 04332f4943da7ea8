import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

const lint = async (filePath: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports');
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
});
