// Copied to dist/bundle/load-service.mjs by scripts/bundle.mjs. Loads the service's bundle
// (dist/bundle/service.cjs: the whole service in one CommonJS file) with V8's code cache for
// it (service.cjs.cache, written by the build). With the cache V8 neither parses nor
// compiles what start-up runs: it reads the compiled code back (about 45 of 185 ms from
// process start to the first /healthz answer, docs/performance.md). Node 20 has no compile
// cache for modules (`module.enableCompileCache` is Node 22), so the bundle is a script run
// through `vm.Script`, which takes one.
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SERVICE_FILE = path.join(HERE, 'service.cjs');
export const CACHE_FILE = `${SERVICE_FILE}.cache`;
/** What service.cjs starts and ends with (scripts/bundle.mjs): the function a CommonJS module is wrapped in. */
export const SERVICE_WRAPPER = ['(function (exports, require, module, __filename, __dirname, __importMetaUrl) {', '})'];
/** The last line of service.cjs names its build; its cache file starts with the same line. */
export const BUILD_MARK = '//# integration-backend-build=';

/**
 * V8 checks a cache against its own version and flags and the source's length only, not its
 * text: a cache of another build of the same length would run that build's code. So a cache is
 * taken only when its first line names the build the source's last line names.
 */
const buildIdOf = (source) => {
  const at = source.lastIndexOf(BUILD_MARK);
  return at < 0 ? '' : source.slice(at + BUILD_MARK.length).trim();
};

/**
 * Runs service.cjs and answers its exports (`serve`), with how the cache went: `used`,
 * `rejected` (V8 refused it: another Node version or other V8 flags; the code is then
 * compiled as without one), `other-build`, `missing`, or `off` (not asked for, or
 * --enable-source-maps). `writeCache()` writes the cache of what has run so far.
 */
export function loadService({ useCache = true } = {}) {
  // The bundle is ASCII (scripts/bundle.mjs checks): latin1 reads it without decoding UTF-8.
  const source = fs.readFileSync(SERVICE_FILE, 'latin1');
  const module = { exports: {} };
  const run = (wrapped) =>
    wrapped(module.exports, createRequire(SERVICE_FILE), module, SERVICE_FILE, HERE, pathToFileURL(SERVICE_FILE).href);
  if (process.sourceMapsEnabled) {
    // Node 20 maps stack traces (--enable-source-maps) only for code its module loader
    // compiled, not for a vm.Script: compiled as a module, without the cache, the service's
    // stack traces name its sources.
    const loader = new Module(SERVICE_FILE);
    loader.filename = SERVICE_FILE;
    loader._compile(`module.exports = ${source}`, SERVICE_FILE);
    run(loader.exports);
    return {
      exports: module.exports,
      cache: 'off',
      writeCache: () => {
        throw new Error('no code cache is written with --enable-source-maps');
      },
    };
  }
  const id = buildIdOf(source);
  let cachedData;
  let cache = 'off';
  if (useCache) {
    try {
      const bytes = fs.readFileSync(CACHE_FILE);
      const header = `${id}\n`;
      if (id !== '' && bytes.subarray(0, header.length).toString('latin1') === header) cachedData = bytes.subarray(header.length);
      else cache = 'other-build';
    } catch {
      cache = 'missing';
    }
  }
  // The bundle is one function expression, the wrapper Node's CommonJS loader would add
  // (written by the build, so no copy of the source is made here).
  const script = new vm.Script(source, {
    filename: SERVICE_FILE,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  run(script.runInThisContext());
  return {
    exports: module.exports,
    cache,
    writeCache: () => fs.writeFileSync(CACHE_FILE, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()])),
  };
}
