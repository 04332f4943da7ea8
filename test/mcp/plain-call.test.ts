/**
 * The plain tools/call that the HTTP transport answers without the SDK's protocol layer:
 * which requests count as plain (only those the SDK's schemas take exactly as they are), and
 * how a failing handler is answered.
 */
import { CallToolRequestSchema, ErrorCode, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { answerToolCall, plainToolCall, type PlainToolCall } from '../../src/adapters/mcp/mcp-server.js';

const call = (extra: Record<string, unknown> = {}, params: Record<string, unknown> = { name: 'jira_search_issues', arguments: { q: 'x' } }) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params,
  ...extra,
});

describe('plainToolCall', () => {
  it.each([
    ['a call with arguments', call()],
    ['a call without arguments', call({}, { name: 'jira_list_projects' })],
    ['a string id', call({ id: 'abc' })],
    ['id 0', call({ id: 0 })],
  ])('takes %s, which the SDK schemas take as it is', (_name, message) => {
    expect(plainToolCall(message)).toBe(true);
    expect(JSONRPCRequestSchema.safeParse(message).success).toBe(true);
    const parsed = CallToolRequestSchema.safeParse(message);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({ method: message.method, params: message.params });
  });

  it.each([
    ['_meta', call({}, { name: 'x', arguments: {}, _meta: { progressToken: 1 } })],
    ['task', call({}, { name: 'x', task: { ttl: 1000 } })],
    ['a fractional id', call({ id: 1.5 })],
    ['an object id', call({ id: {} })],
    ['no id', { jsonrpc: '2.0', method: 'tools/call', params: { name: 'x' } }],
    ['array arguments', call({}, { name: 'x', arguments: [1] })],
    ['null arguments', call({}, { name: 'x', arguments: null })],
    ['a number for name', call({}, { name: 7 })],
    ['no params', { jsonrpc: '2.0', id: 1, method: 'tools/call' }],
    ['another field', call({ extra: true })],
    ['another version', call({ jsonrpc: '1.0' })],
    ['another method', call({ method: 'tools/list' })],
  ])('leaves a call with %s to the SDK', (_name, message) => {
    expect(plainToolCall(message)).toBe(false);
  });
});

describe('answerToolCall', () => {
  const request = call() as PlainToolCall;

  it('answers the handler result under the request id', async () => {
    const result = { content: [{ type: 'text' as const, text: '{}' }], structuredContent: {} };
    expect(await answerToolCall(() => Promise.resolve(result), request)).toEqual({ jsonrpc: '2.0', id: 1, result });
  });

  it('answers an error with a code as that JSON-RPC error', async () => {
    const failing = () => Promise.reject(Object.assign(new Error('Unknown tool x; available: a, b.'), { code: ErrorCode.InvalidParams }));
    expect(await answerToolCall(failing, request)).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unknown tool x; available: a, b.' } });
  });

  it.each([
    ['an Error without a code (a bug)', new Error('Cannot read properties of undefined at /srv/secret.js')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('answers %s as -32603 Internal error, without its message', async (_name, thrown) => {
    const answer = await answerToolCall(() => Promise.reject(thrown as Error), request);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, error: { code: ErrorCode.InternalError, message: 'Internal error' } });
  });
});
