/** In-memory gateways for unit tests: a fake implements the roles its test calls, nothing more. */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../../src/domain/errors.js';

/**
 * A whole gateway from the methods a test's fake implements, for wiring that wants the
 * whole port (the catalog). Any other method answers INTERNAL_ERROR naming itself, so a
 * test that reaches one fails saying which.
 */
export const gatewayOf = <G extends object>(implemented: object): G =>
  new Proxy(implemented, {
    get: (target, prop, receiver) =>
      prop in target ? Reflect.get(target, prop, receiver) : () => TE.left(AppError.internal(`${String(prop)} is not part of this test's fake gateway`)),
  }) as G;
