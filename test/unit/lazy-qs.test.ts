// The bundle gives co-body scripts/bundle/lazy-qs.cjs for `qs` (scripts/bundle-options.mjs):
// qs, with side-channel, get-intrinsic and object-inspect under it, loads on the first parse.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
interface Qs {
  parse(str: string, options?: object): Record<string, unknown>;
  stringify(value: unknown, options?: object): string;
  formats: Record<string, unknown>;
}
const shimPath = require.resolve(path.join(root, 'scripts/bundle/lazy-qs.cjs'));
const realPath = require.resolve(path.join(root, 'node_modules/qs'));

describe('the lazy qs of the bundle', () => {
  it('loads qs on the first parse, not when it is required', () => {
    delete require.cache[realPath];
    delete require.cache[shimPath];
    const lazy = require(shimPath) as Qs;
    expect(require.cache[realPath]).toBeUndefined();
    expect(lazy.parse('a=1&b[c]=2')).toEqual({ a: '1', b: { c: '2' } });
    expect(require.cache[realPath]).toBeDefined();
  });

  it('answers as qs does, options included (co-body passes its own)', () => {
    const lazy = require(shimPath) as Qs;
    const qs = require(realPath) as Qs;
    const options = { allowDots: true, depth: 2, arrayLimit: 3, parameterLimit: 5 };
    for (const text of ['', 'a=1', 'a[b][c][d]=deep', 'a.b=dot', 'x[]=1&x[]=2&x[]=3&x[]=4', '__proto__[x]=1', 'k=%E2%82%AC', 'k=%ZZ', 'p=1&p=2&q&r=']) {
      expect([text, lazy.parse(text, options)]).toEqual([text, qs.parse(text, options)]);
      expect([text, lazy.parse(text)]).toEqual([text, qs.parse(text)]);
    }
    expect(lazy.stringify({ a: [1, 2], b: { c: 'd e' } }, { encode: true })).toBe(qs.stringify({ a: [1, 2], b: { c: 'd e' } }, { encode: true }));
    expect(lazy.formats).toBe(qs.formats);
  });

  it('is the bundle alias of qs', async () => {
    const { bundleOptions } = (await import(path.join(root, 'scripts/bundle-options.mjs'))) as { bundleOptions(root: string): { alias: Record<string, string> } };
    expect(bundleOptions(root).alias['qs']).toBe(shimPath);
  });
});
