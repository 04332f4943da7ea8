/**
 * The composition root's tokens are typed: resolving one gives its declared type, and
 * registering the wrong implementation for it does not compile. Checked by compiling a
 * probe file with the project's own compiler options: the lines marked `// @error` must be
 * exactly the lines TypeScript refuses, and the same code without them compiles clean.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROBE_DIR = fs.mkdtempSync(path.join(ROOT, 'test', 'architecture', '.typed-probe-'));

const HEADER = `
import { randomBytes } from 'node:crypto';
import { container } from 'tsyringe';
import type { Cipher } from '../../../src/application/ports/cipher.js';
import type { ConnectionStore } from '../../../src/application/ports/connection-store.js';
import type { Logger } from '../../../src/application/ports/logger.js';
import { AesGcmCipher } from '../../../src/adapters/crypto/aes-gcm-cipher.js';
import { InMemoryConnectionStore } from '../../../src/adapters/memory/in-memory-connection-store.js';
import { provide, resolve, resolveAll, token, type Token } from '../../../src/composition/tokens.js';
import type { Service } from '../../../src/composition/container.js';

const c = container.createChildContainer();
const CIPHER = token<Cipher>('Cipher');
const STORE = token<ConnectionStore>('ConnectionStore');
declare const service: Service;
`;

const GOOD = `
provide(c, CIPHER, () => new AesGcmCipher(randomBytes(32)));
provide(c, STORE, () => new InMemoryConnectionStore());
provide(c, STORE, (r) => (r.get(CIPHER).keyFingerprint === '' ? new InMemoryConnectionStore() : new InMemoryConnectionStore()));
export const cipher: Cipher = resolve(c, CIPHER);
export const both: { cipher: Cipher; store: ConnectionStore } = resolveAll(c, { cipher: CIPHER, store: STORE });
export const tools: readonly string[] = service.useCases.tools.list().map((t) => t.name);
export const store: ConnectionStore = service.adapters.connections;
`;

const BAD = `
provide(c, CIPHER, () => new InMemoryConnectionStore()); // @error a store is no cipher
provide(c, STORE, () => new AesGcmCipher(randomBytes(32))); // @error a cipher is no store
provide(c, CIPHER, (r) => r.get(STORE)); // @error what the factory resolves is checked too
export const logger: Logger = resolve(c, CIPHER); // @error resolving gives the token's type
export const wrongToken: Token<Logger> = CIPHER; // @error a token of one type is no token of another
export const record: { cipher: Logger } = resolveAll(c, { cipher: CIPHER }); // @error records too
export const fromService: Logger = service.adapters.cipher; // @error the service's adapters are typed
export const missing = service.useCases.noSuchUseCase; // @error only declared use cases exist
`;

const compile = (name: string, code: string): readonly ts.Diagnostic[] => {
  const file = path.join(PROBE_DIR, name);
  fs.writeFileSync(file, code);
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([file], { ...parsed.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
};

const lineOf = (d: ts.Diagnostic): number => (d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0);

describe('typed tokens in the composition root', () => {
  afterAll(() => fs.rmSync(PROBE_DIR, { recursive: true, force: true }));

  it('accepts registrations and resolutions of the declared types', () => {
    const diagnostics = compile('good.ts', HEADER + GOOD);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  }, 60_000);

  it('refuses exactly the lines that register or resolve the wrong type', () => {
    const code = HEADER + BAD;
    const diagnostics = compile('bad.ts', code);
    const marked = code.split('\n').flatMap((l, i) => (l.includes('// @error') ? [i + 1] : []));
    expect(marked).toHaveLength(8);
    expect([...new Set(diagnostics.map(lineOf))].sort((a, b) => a - b), diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('\n')).toEqual(marked);
  }, 60_000);
});
