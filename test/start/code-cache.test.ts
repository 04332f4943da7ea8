/**
 * `npm start` loads the service's bundle (dist/bundle/service.cjs, built by
 * test/support/build-once.ts) with the V8 code cache the build wrote beside it
 * (scripts/bundle/load-service.mjs, docs/performance.md). These run the loader in child
 * processes, as `npm start` does: the build's cache is taken by the Node that built it, and
 * a cache of another build, one V8 refuses, or none at all leaves a service that loads all the
 * same, compiling its code instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUNDLE = path.join(ROOT, 'dist/bundle');

/** What `loadService()` of the loader in `dir` says of the cache, and the type of the bundle's `serve`. */
const load = (dir: string): { cache: string; serve: string } =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { loadService } from './load-service.mjs'; const s = loadService(); console.log(JSON.stringify({ cache: s.cache, serve: typeof s.exports.serve }));`],
      { cwd: dir, encoding: 'utf8' },
    ),
  ) as { cache: string; serve: string };

describe('the code cache of the bundle npm start runs', () => {
  let dir: string;
  const cacheFile = (): string => path.join(dir, 'service.cjs.cache');
  const header = (): string => {
    const bytes = fs.readFileSync(path.join(BUNDLE, 'service.cjs.cache'));
    return bytes.subarray(0, bytes.indexOf(10) + 1).toString('latin1');
  };

  beforeAll(() => {
    // A copy of the bundle to spoil; its packages resolve through a link to ours.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-code-cache-'));
    for (const file of ['service.cjs', 'load-service.mjs', 'main.mjs']) fs.copyFileSync(path.join(BUNDLE, file), path.join(dir, file));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written by the build for the build: its first line names the build the bundle ends with, and V8 takes it', () => {
    const source = fs.readFileSync(path.join(BUNDLE, 'service.cjs'), 'latin1');
    const id = /\/\/# integration-backend-build=([0-9a-f-]{36})\n$/.exec(source)?.[1];
    expect(id).toBeDefined();
    expect(header()).toBe(`${id}\n`);
    expect(load(BUNDLE)).toEqual({ cache: 'used', serve: 'function' });
  });

  it('is left alone when it names another build, which V8 could not tell from the source length alone', () => {
    const bytes = fs.readFileSync(path.join(BUNDLE, 'service.cjs.cache'));
    const other = Buffer.concat([Buffer.from('00000000-0000-4000-8000-000000000000\n', 'latin1'), bytes.subarray(bytes.indexOf(10) + 1)]);
    fs.writeFileSync(cacheFile(), other);
    expect(load(dir)).toEqual({ cache: 'other-build', serve: 'function' });
  });

  it('is compiled over when V8 refuses it (a cache of other code under this build’s name)', () => {
    const foreign = new vm.Script('(function () { return 1; })').createCachedData();
    fs.writeFileSync(cacheFile(), Buffer.concat([Buffer.from(header(), 'latin1'), foreign]));
    expect(load(dir)).toEqual({ cache: 'rejected', serve: 'function' });
  });

  it('is left out with --enable-source-maps, so that stack traces name the sources', () => {
    // A vm.Script's stack traces are not mapped by Node 20; the loader compiles the bundle as a module then.
    const out = execFileSync(
      process.execPath,
      [
        '--enable-source-maps',
        '--input-type=module',
        '-e',
        `import { loadService } from './load-service.mjs'; const s = loadService(); console.log(s.cache); try { await s.exports.serve(null); } catch (e) { console.log(e.stack); }`,
      ],
      { cwd: BUNDLE, encoding: 'utf8' },
    );
    expect(out.split('\n')[0]).toBe('off');
    expect(out).toMatch(/at loadConfig \(.*src\/composition\/config\.ts:\d+:\d+\)/);
  });

  it('is not needed: without one the bundle loads and compiles as it goes', () => {
    fs.rmSync(cacheFile(), { force: true });
    expect(load(dir)).toEqual({ cache: 'missing', serve: 'function' });
  });
});
