import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { CreateIssueInput, SearchIssuesInput } from '../../src/application/operation-inputs.js';
import { decodeStrictWith, decodeWith } from '../../src/domain/decode.js';

const message = <A>(codec: t.Type<A, unknown, unknown>, input: unknown): string => {
  const r = decodeWith(codec, 'request body')(input);
  if (E.isRight(r)) throw new Error('expected a decoding failure');
  expect(r.left.code).toBe('VALIDATION');
  return r.left.message;
};

describe('validation messages', () => {
  it('name the field path without the positions of intersection or union members', () => {
    const text = message(CreateIssueInput, { summary: 5 });
    expect(text).toContain('project_key is required');
    expect(text).toContain('summary must be a string of 1-255 characters');
    expect(text).not.toMatch(/\b\d+\.(project_key|summary)/);
  });

  it('name nested and array fields', () => {
    const codec = t.type({ outer: t.type({ list: t.array(t.number) }) });
    expect(message(codec, { outer: { list: [1, 'x'] } })).toContain('outer.list.1 must be number');
  });

  it('never echo the submitted value', () => {
    const secret = 'ATATT3xFfGF0-super-secret-token';
    expect(message(SearchIssuesInput, { q: { nested: secret } })).not.toContain(secret);
    expect(message(CreateIssueInput, { project_key: secret, summary: 'ok' })).not.toContain(secret);
  });
});

describe('strict decoding of bodies and tool arguments', () => {
  it('refuses a key the codec does not know, naming it and the expected ones', () => {
    const r = decodeStrictWith(SearchIssuesInput, 'arguments')({ query: 'typo for q' });
    expect(E.isLeft(r) && r.left.message).toBe(
      'Invalid arguments: unknown field query; expected q, jql, project, fields, format, cursor, limit',
    );
  });

  it('accepts known keys and still decodes types', () => {
    const r = decodeStrictWith(SearchIssuesInput, 'arguments')({ q: 'x', limit: '5' });
    expect(r).toEqual(E.right({ q: 'x', limit: 5 }));
  });
});

describe('messages for the wrong kind of value', () => {
  it('say "a JSON object" and "an array" rather than io-ts type signatures', () => {
    expect(message(CreateIssueInput, null)).toBe('Invalid request body: request body must be a JSON object');
    expect(message(CreateIssueInput, { project_key: 'ENG', summary: 'x', labels: 'one' })).toBe(
      'Invalid request body: labels must be an array',
    );
    expect(message(t.type({ arguments: t.UnknownRecord }), { arguments: 'text' })).toBe(
      'Invalid request body: arguments must be a JSON object',
    );
  });
});
