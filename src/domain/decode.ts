import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { AppError } from './errors.js';
import { toJsonSchema } from './json-schema.js';

const COMBINATORS = new Set(['UnionType', 'IntersectionType', 'ExactType', 'RefinementType', 'ReadonlyType']);
const OBJECTS = new Set(['InterfaceType', 'PartialType', 'ExactType', 'StrictType', 'IntersectionType', 'UnknownRecordType', 'AnyDictionaryType', 'DictionaryType']);
const ARRAYS = new Set(['ArrayType', 'ReadonlyArrayType', 'UnknownArrayType', 'AnyArrayType']);

/** What a caller should send, in words: io-ts's own names for structures read like type signatures. */
const expectedOf = (type: t.Decoder<unknown, unknown> | undefined): string => {
  const tag = (type as { _tag?: string } | undefined)?._tag ?? '';
  if (OBJECTS.has(tag)) return 'a JSON object';
  if (ARRAYS.has(tag)) return 'an array';
  return type?.name ?? 'a valid value';
};

/**
 * Turns io-ts errors into one message that names each failing field and what was
 * expected, without echoing the submitted value (it may be a token).
 */
export const describeErrors = (errors: t.Errors, subject: string): string => {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const error of errors) {
    // Members of unions and intersections (also inside t.exact) appear in the context as numeric keys; they are not fields.
    const path = error.context
      .filter((c, i) => {
        const parent = error.context[i - 1]?.type as { _tag?: string } | undefined;
        return c.key !== '' && !(/^\d+$/.test(c.key) && COMBINATORS.has(parent?._tag ?? ''));
      })
      .map((c) => c.key)
      .join('.');
    const leaf = error.context[error.context.length - 1];
    const expected = error.message ?? expectedOf(leaf?.type);
    const missing = leaf !== undefined && leaf.actual === undefined;
    const line = path === ''
      ? `${subject} must be ${expected}`
      : missing
        ? `${path} is required (${expected})`
        : `${path} must be ${expected}`;
    if (!seen.has(line)) {
      seen.add(line);
      parts.push(line);
    }
    if (parts.length >= 5) break;
  }
  return `Invalid ${subject}: ${parts.join('; ')}`;
};

export const decodeWith =
  <A, O, I>(codec: t.Type<A, O, I>, subject: string) =>
  (input: I): E.Either<AppError, A> =>
    E.mapLeft((errors: t.Errors) => AppError.validation(describeErrors(errors, subject)))(
      codec.decode(input),
    );

/**
 * Like decodeWith, but a top-level key the codec does not know is refused rather than
 * silently dropped, so a caller's typo (`query` for `q`) is reported, and the behaviour
 * matches the `additionalProperties: false` the published schemas promise.
 */
/** An object codec's top-level keys (undefined for any other codec), and how an error lists them. */
interface KnownKeys {
  readonly known: ReadonlySet<string> | undefined;
  readonly expected: string;
}

export const decodeStrictWith = <A, O>(codec: t.Type<A, O, unknown>, subject: string) => {
  // The known keys come from the codec's schema, worked out on the first decode: every
  // route and tool builds its decoder at start, and most are never called in a process
  // (about 3 ms of start-up, docs/performance.md).
  let keys: KnownKeys | undefined;
  const keysOf = (): KnownKeys => {
    if (keys) return keys;
    const properties = toJsonSchema(codec)['properties'] as Record<string, unknown> | undefined;
    // Only object codecs have a set of known keys (a union of a record and an array has none).
    const known = properties === undefined ? undefined : new Set(Object.keys(properties));
    return (keys = { known, expected: known === undefined || known.size === 0 ? 'none' : [...known].join(', ') });
  };
  const decode = decodeWith(codec, subject);
  return (input: unknown): E.Either<AppError, A> => {
    const { known, expected } = keysOf();
    if (known !== undefined && typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const unknown = Object.keys(input).filter((k) => !known.has(k));
      if (unknown.length > 0) {
        const names = unknown.slice(0, 5).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k));
        return E.left(AppError.validation(`Invalid ${subject}: unknown field ${names.join(', ')}; expected ${expected}`));
      }
    }
    return decode(input);
  };
};
