/** Every catalog declaration is sound on its own: its example decodes with its codecs, and its declared shape is consistent. */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, pathParameters } from '../../src/application/catalog/index.js';
import { decodeStrictWith } from '../../src/domain/decode.js';
import { toJsonSchema } from '../../src/domain/json-schema.js';

describe('the operation catalog', () => {
  it.each(OPERATIONS.map((o) => [o.name, o] as const))('%s: its example input decodes and its example output is an output', (_name, o) => {
    expect(o.example, 'every operation has an example').toBeDefined();
    const input = decodeStrictWith(o.input, 'example input')(o.example!.input);
    expect(E.isRight(input) ? 'ok' : input.left.message).toBe('ok');
    const output = o.output.decode(o.example!.output);
    expect(E.isRight(output) ? 'ok' : 'the example output does not match the output codec').toBe('ok');
  });

  it.each(OPERATIONS.map((o) => [o.name, o] as const))('%s: path parameters are input fields, and the declaration is consistent', (_name, o) => {
    const properties = Object.keys((toJsonSchema(o.input)['properties'] ?? {}) as object);
    for (const p of pathParameters(o.http.path)) expect(properties, p).toContain(p);
    expect(o.scopes.length).toBeGreaterThan(0);
    expect(o.summary.length).toBeGreaterThan(40);
    if (o.destructive) expect(o.writes).toBe(true);
    if (o.http.method === 'get') expect(o.writes).toBe(false);
    if (o.http.method === 'delete') expect(o.destructive).toBe(true);
    expect(toJsonSchema(o.output)['type']).toBe('object');
  });
});
