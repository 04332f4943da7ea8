import * as t from 'io-ts';

/**
 * `c | null | undefined` without t.union: a union tries each member in turn and builds a
 * failure for every miss, which showed up in the search profile (50 issues x several
 * optional fields per response). Absent values short-circuit here.
 */
export const nullable = <C extends t.Mixed>(c: C): t.Type<t.TypeOf<C> | null | undefined, unknown, unknown> =>
  new t.Type<t.TypeOf<C> | null | undefined, unknown, unknown>(
    `${c.name} | null | undefined`,
    (u): u is t.TypeOf<C> | null | undefined => u === null || u === undefined || c.is(u),
    (u, ctx) => (u === null || u === undefined ? t.success(u) : c.validate(u, ctx)),
    (a) => (a === null || a === undefined ? a : c.encode(a)),
  );
