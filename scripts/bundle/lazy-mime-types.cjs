// What the bundle gives every package that requires `mime-types` (scripts/bundle-options.mjs):
// the same functions, with mime-types itself loaded on the first call. mime-types builds its
// lookup maps from the whole of mime-db (about 2,500 types, each extension's claimants
// scored) when it loads, and mime-db is a 200 KB object literal: together several
// milliseconds of every start, spent before the first answer although a JSON answer never
// looks a type up (src/adapters/http/app.ts sets its Content-Type as written). Koa, type-is and
// accepts only call these functions, on a request that needs a lookup.
'use strict';

let loaded;
// A relative path, which the bundle's alias of `mime-types` (to this file) does not take.
const mime = () => (loaded ??= require('../../node_modules/mime-types/index.js'));

module.exports = {
  charset: (type) => mime().charset(type),
  contentType: (str) => mime().contentType(str),
  extension: (type) => mime().extension(type),
  lookup: (path) => mime().lookup(path),
  get charsets() {
    return mime().charsets;
  },
  get extensions() {
    return mime().extensions;
  },
  get types() {
    return mime().types;
  },
};
