/**
 * The response validator every HTTP test goes through (test/support/api-contract.ts) does
 * catch what it is there to catch, on a small document of its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse, ContractViolation, unwatchService, watchService } from '../support/api-contract.js';

const URL_BASE = 'http://contract.test:1';
const ERROR = { $ref: '#/components/schemas/Error' };

watchService(URL_BASE, {
  openapi: '3.1.0',
  paths: {
    '/items/{id}': {
      get: {
        responses: {
          200: {
            description: 'ok',
            content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, additionalProperties: false } } },
          },
          404: { description: 'none', content: { 'application/json': { schema: ERROR } } },
          429: { description: 'slow down', content: { 'application/json': { schema: ERROR } } },
        },
      },
    },
    '/items/{id}/raw': { get: { responses: { 200: { description: 'css', content: { 'text/css': { schema: { type: 'string' } } } } } } },
    '/gone': { delete: { responses: { 204: { description: 'gone' } } } },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['status', 'code', 'message'],
        properties: { status: { const: 'error' }, code: { type: 'string' }, message: { type: 'string' }, retry_after: { type: 'integer' } },
        additionalProperties: false,
      },
    },
  },
});
afterAll(() => unwatchService(URL_BASE));

const answer = (status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }) => ({
  status,
  header: (name: string) => headers[name.toLowerCase()] ?? null,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const check = (method: string, path: string, res: ReturnType<typeof answer>) => () => checkResponse({ method, url: `${URL_BASE}${path}` }, res);
const error = (code: string) => ({ status: 'error', code, message: 'x' });

describe('the API contract check of test responses', () => {
  it('accepts documented answers', () => {
    expect(check('GET', '/items/7', answer(200, { id: '7' }))).not.toThrow();
    expect(check('GET', '/items/7', answer(404, error('NOT_FOUND')))).not.toThrow();
    expect(check('GET', '/items/7', answer(429, { ...error('RATE_LIMITED'), retry_after: 2 }, { 'content-type': 'application/json', 'retry-after': '2' }))).not.toThrow();
    expect(check('GET', '/items/7/raw', answer(200, 'a{}', { 'content-type': 'text/css; charset=utf-8' }))).not.toThrow();
    expect(check('DELETE', '/gone', answer(204, '', {}))).not.toThrow();
    expect(check('GET', '/nowhere', answer(404, error('NOT_FOUND')))).not.toThrow();
    expect(check('POST', '/gone', answer(405, error('VALIDATION'), { 'content-type': 'application/json', allow: 'DELETE' }))).not.toThrow();
  });

  it.each([
    ['an undocumented status', 'GET', '/items/7', answer(500, error('INTERNAL_ERROR')), /status not documented/],
    ['a body off its schema', 'GET', '/items/7', answer(200, { id: 7, extra: true }), /must be string|additional properties/],
    ['an error body off the standard one', 'GET', '/items/7', answer(404, { error: 'nope' }), /required property/],
    ['a 429 without Retry-After', 'GET', '/items/7', answer(429, error('RATE_LIMITED')), /Retry-After/],
    ['an undocumented media type', 'GET', '/items/7/raw', answer(200, 'x', { 'content-type': 'application/octet-stream' }), /media type/],
    ['a body where none is documented', 'DELETE', '/gone', answer(204, 'surprise', { 'content-type': 'text/plain' }), /without a body/],
    ['an unknown path answering 200', 'GET', '/nowhere', answer(200, {}), /expected 404/],
    ['a wrong method answering 200', 'POST', '/gone', answer(200, {}), /expected 405/],
    ['a 405 whose Allow disagrees', 'POST', '/gone', answer(405, error('VALIDATION'), { 'content-type': 'application/json', allow: 'GET' }), /Allow/],
  ] as const)('throws on %s', (_what, method, path, res, message) => {
    expect(check(method, path, res)).toThrow(ContractViolation);
    expect(check(method, path, res)).toThrow(message);
  });

  it('leaves services it does not watch alone', () => {
    expect(() => checkResponse({ method: 'GET', url: 'http://other.test:2/anything' }, answer(500, 'plain'))).not.toThrow();
  });
});
