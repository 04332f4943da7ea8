import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const KEY_BYTES = 32;
const BASE64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

export interface ResolvedKeys {
  current: Buffer;
  previous?: Buffer;
  /** Set when this call generated a new key file (the operator should back it up). */
  generatedKeyFile?: string;
}

/** Decodes base64 (standard or url-safe alphabet) of exactly 32 bytes; undefined otherwise. */
const decodeKey = (raw: string): Buffer | undefined => {
  const s = raw.trim();
  if (!BASE64_RE.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64');
  return buf.length === KEY_BYTES ? buf : undefined;
};

/** Error messages name the source, never the value. */
const keyFromEnv = (value: string, variable: string): Buffer => {
  const key = decodeKey(value);
  if (key === undefined) throw new Error(`${variable} must be base64 of exactly ${KEY_BYTES} bytes`);
  return key;
};

const keyFromFileContents = (contents: string, file: string): Buffer => {
  const key = decodeKey(contents);
  if (key === undefined) {
    throw new Error(`Encryption key file ${file} must contain base64 of exactly ${KEY_BYTES} bytes`);
  }
  return key;
};

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Reads a key file that another process may have just created with `wx`:
 * tolerate a brief window where the file exists but is still empty.
 */
const readKeyFile = (file: string): Buffer => {
  let contents = fs.readFileSync(file, 'utf8');
  for (let attempt = 0; contents.trim() === '' && attempt < 20; attempt++) {
    sleepSync(50);
    contents = fs.readFileSync(file, 'utf8');
  }
  return keyFromFileContents(contents, file);
};

const isErrno = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;

/**
 * Start-up key provisioning. Throws (with a message that never contains key material)
 * on misconfiguration.
 *  - `key` (INTEGRATION_ENCRYPTION_KEY) wins when set.
 *  - otherwise `keyFilePath` is read, or created with mode 0600 if missing.
 *  - otherwise (in-memory database) an ephemeral key is generated.
 */
export function resolveEncryptionKeys(opts: { key?: string; previousKey?: string; keyFilePath?: string }): ResolvedKeys {
  const previous =
    opts.previousKey !== undefined && opts.previousKey !== ''
      ? keyFromEnv(opts.previousKey, 'INTEGRATION_ENCRYPTION_KEY_PREVIOUS')
      : undefined;
  const withPrevious = (r: ResolvedKeys): ResolvedKeys => (previous === undefined ? r : { ...r, previous });

  if (opts.key !== undefined && opts.key !== '') {
    return withPrevious({ current: keyFromEnv(opts.key, 'INTEGRATION_ENCRYPTION_KEY') });
  }

  const file = opts.keyFilePath;
  if (file === undefined || file === '') {
    return withPrevious({ current: randomBytes(KEY_BYTES) });
  }

  if (fs.existsSync(file)) return withPrevious({ current: readKeyFile(file) });

  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const generated = randomBytes(KEY_BYTES);
  try {
    // 'wx' fails if the file exists, so a concurrent second process never overwrites it.
    fs.writeFileSync(file, `${generated.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return withPrevious({ current: readKeyFile(file) });
    throw e;
  }
  return withPrevious({ current: generated, generatedKeyFile: file });
}
