// What the bundle gives every package that requires `qs` (scripts/bundle-options.mjs): the
// same functions, with qs itself loaded on the first call. Only co-body requires it, to parse
// an application/x-www-form-urlencoded body, which the service's body parser does not take
// (`enableTypes: ['json']` in src/adapters/http/app.ts). Loaded, it brings side-channel,
// get-intrinsic and object-inspect, whose module bodies walk the engine's intrinsics: work at
// every start for nothing.
'use strict';

let loaded;
// A relative path, which the bundle's alias of `qs` (to this file) does not take.
const qs = () => (loaded ??= require('../../node_modules/qs/lib/index.js'));

module.exports = {
  parse: (str, options) => qs().parse(str, options),
  stringify: (object, options) => qs().stringify(object, options),
  get formats() {
    return qs().formats;
  },
};
