import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEncryptionKeys } from '../../../src/adapters/crypto/encryption-key.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enc-key-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const captureError = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
};

describe('resolveEncryptionKeys', () => {
  it('uses an explicit base64 key and previous key', () => {
    const key = randomBytes(32);
    const prev = randomBytes(32);
    const r = resolveEncryptionKeys({ key: key.toString('base64'), previousKey: prev.toString('base64') });
    expect(r.current.equals(key)).toBe(true);
    expect(r.previous?.equals(prev)).toBe(true);
    expect(r.generatedKeyFile).toBeUndefined();
  });

  it('the explicit key wins over a key file', () => {
    const key = randomBytes(32);
    const p = path.join(dir, 'key');
    const r = resolveEncryptionKeys({ key: key.toString('base64'), keyFilePath: p });
    expect(r.current.equals(key)).toBe(true);
    expect(fs.existsSync(p)).toBe(false);
  });

  it('generates a key file with mode 0600 (creating the directory) and reads it back next time', () => {
    const p = path.join(dir, 'nested', 'deeper', 'encryption.key');
    const first = resolveEncryptionKeys({ keyFilePath: p });
    expect(first.generatedKeyFile).toBe(p);
    expect(first.current).toHaveLength(32);
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(p, 'utf8').trim(), 'base64').equals(first.current)).toBe(true);

    const second = resolveEncryptionKeys({ keyFilePath: p });
    expect(second.generatedKeyFile).toBeUndefined();
    expect(second.current.equals(first.current)).toBe(true);
  });

  it('reads an existing key file and rejects a bad one, naming the file', () => {
    const good = path.join(dir, 'good.key');
    const key = randomBytes(32);
    fs.writeFileSync(good, `${key.toString('base64')}\n`, { mode: 0o600 });
    expect(resolveEncryptionKeys({ keyFilePath: good }).current.equals(key)).toBe(true);

    const bad = path.join(dir, 'bad.key');
    const badValue = randomBytes(16).toString('base64');
    fs.writeFileSync(bad, badValue, { mode: 0o600 });
    const err = captureError(() => resolveEncryptionKeys({ keyFilePath: bad }));
    expect(err.message).toContain(bad);
    expect(err.message).not.toContain(badValue);
  });

  it('generates an ephemeral key when there is neither key nor key file', () => {
    const a = resolveEncryptionKeys({});
    const b = resolveEncryptionKeys({});
    expect(a.current).toHaveLength(32);
    expect(a.generatedKeyFile).toBeUndefined();
    expect(a.current.equals(b.current)).toBe(false);
  });

  it.each([
    ['not base64 at all', 'this is not base64!!'],
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
  ])('rejects a key that is %s, naming the variable but not the value', (_name, value) => {
    const err = captureError(() => resolveEncryptionKeys({ key: value }));
    expect(err.message).toContain('INTEGRATION_ENCRYPTION_KEY must be base64 of exactly 32 bytes');
    expect(err.message).not.toContain(value);

    const errPrev = captureError(() =>
      resolveEncryptionKeys({ key: randomBytes(32).toString('base64'), previousKey: value }),
    );
    expect(errPrev.message).toContain('INTEGRATION_ENCRYPTION_KEY_PREVIOUS');
    expect(errPrev.message).not.toContain(value);
  });
});
