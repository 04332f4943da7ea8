// The bundle (scripts/bundle-options.mjs) gives accepts, co-body and koa-bodyparser, which pin
// mime-types 2, the top-level mime-types 3 instead, so the type table is built once at start.
// This holds the two versions to the same answers for what those packages and Koa look up.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
interface MimeTypes {
  lookup(pathOrExtension: string): string | false;
  contentType(typeOrExtension: string): string | false;
  extension(type: string): string | false;
  charset(type: string): string | false;
}
const root = path.resolve(import.meta.dirname, '../..');
const v3 = require(path.join(root, 'node_modules/mime-types')) as MimeTypes;
const pinned = ['accepts', 'co-body', 'koa-bodyparser'].map((pkg) => {
  const dir = path.join(root, 'node_modules', pkg, 'node_modules/mime-types');
  return { pkg, version: (require(path.join(dir, 'package.json')) as { version: string }).version, mime: require(dir) as MimeTypes };
});

/**
 * Shorthands Koa's `ctx.type`/`ctx.is`, type-is and accepts are given by this service and its
 * dependencies, and common others. Not `js`/`mjs`: mime-db 1.54 types them text/javascript
 * (RFC 9239) where the pinned copies' own 1.52 says application/javascript, and the bundle
 * already gave every copy 1.54's table before this alias.
 */
const SHORTHANDS = ['json', 'text', 'html', 'bin', 'xml', 'txt', 'css', 'png', 'jpg', 'gif', 'svg', 'pdf', 'zip', 'csv', 'md', 'urlencoded', 'form', 'multipart'];

describe('mime-types 3 in place of the pinned mime-types 2', () => {
  it('the pinned copies are mime-types 2 (else this alias is moot)', () => {
    expect(pinned.map((p) => p.version.split('.')[0])).toEqual(['2', '2', '2']);
    expect(require(path.join(root, 'node_modules/mime-types/package.json'))).toMatchObject({ version: expect.stringMatching(/^3\./) });
  });

  it('answers every shorthand and full type alike', () => {
    const full = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/octet-stream'];
    for (const { pkg, mime } of pinned) {
      for (const value of [...SHORTHANDS, ...full]) {
        expect([pkg, value, v3.lookup(value), v3.contentType(value), v3.charset(value)]).toEqual([pkg, value, mime.lookup(value), mime.contentType(value), mime.charset(value)]);
      }
      for (const type of full) expect([pkg, type, v3.extension(type)]).toEqual([pkg, type, mime.extension(type)]);
    }
  });
});

/**
 * The bundle reaches that mime-types through scripts/bundle/lazy-mime-types.cjs, which loads
 * it on the first lookup: a start that answers only JSON (Content-Type written out in
 * src/adapters/http/app.ts) never builds its tables.
 */
describe('the lazy mime-types of the bundle', () => {
  const realPath = require.resolve(path.join(root, 'node_modules/mime-types'));
  const lazy = require(path.join(root, 'scripts/bundle/lazy-mime-types.cjs')) as MimeTypes & {
    charsets: { lookup(type: string): string | false };
    extensions: Record<string, string[]>;
    types: Record<string, string>;
  };

  it('loads mime-types on the first lookup, not when it is required', () => {
    // This file loaded both already: out of the cache with them, so the shim is required anew.
    const shimPath = require.resolve(path.join(root, 'scripts/bundle/lazy-mime-types.cjs'));
    delete require.cache[realPath];
    delete require.cache[shimPath];
    const fresh = require(shimPath) as MimeTypes;
    expect(require.cache[realPath]).toBeUndefined();
    expect(fresh.contentType('json')).toBe('application/json; charset=utf-8');
    expect(require.cache[realPath]).toBeDefined();
  });

  it('answers as mime-types 3 does', () => {
    const full = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'text/css', 'multipart/form-data', 'application/octet-stream'];
    for (const value of [...SHORTHANDS, ...full, 'a/b/report.pdf', 'nothing-known']) {
      expect([value, lazy.lookup(value), lazy.contentType(value), lazy.charset(value), lazy.charsets.lookup(value)]).toEqual([
        value,
        v3.lookup(value),
        v3.contentType(value),
        v3.charset(value),
        v3.charset(value),
      ]);
    }
    for (const type of full) expect([type, lazy.extension(type)]).toEqual([type, v3.extension(type)]);
    const tables = require(path.join(root, 'node_modules/mime-types')) as { extensions: Record<string, string[]>; types: Record<string, string> };
    expect(lazy.types.json).toBe('application/json');
    expect(lazy.types).toEqual(tables.types);
    expect(lazy.extensions['application/json']).toEqual(['json', 'map']);
    expect(lazy.extensions).toEqual(tables.extensions);
  });

  it('is the bundle alias of mime-types', async () => {
    const { bundleOptions } = (await import(path.join(root, 'scripts/bundle-options.mjs'))) as { bundleOptions(root: string): { alias: Record<string, string> } };
    expect(bundleOptions(root).alias['mime-types']).toBe(path.join(root, 'scripts/bundle/lazy-mime-types.cjs'));
  });
});
