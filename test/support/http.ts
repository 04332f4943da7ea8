/** Small HTTP helpers for tests against the real app: raw requests, error-body and log-line assertions. */
import http from 'node:http';
import { expect } from 'vitest';
import { checkResponse } from './api-contract.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/**
 * A request through node:http, for what fetch would normalise away (`/docs/../x`) or refuse
 * to send. The path is written to the wire as given.
 */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { connection: 'close', ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const answer = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
          try {
            const header = (name: string) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
            };
            checkResponse({ method: opts.method ?? 'GET', url: `${u.origin}/`, rawPath: opts.path }, { status: answer.status, header, body: answer.text });
          } catch (err) {
            reject(err);
            return;
          }
          resolve(answer);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface ErrorBodyShape {
  status: 'error';
  code: string;
  message: string;
  retry_after?: number;
  details?: Record<string, string>;
}

/**
 * Asserts the standard error response: the status, a JSON content type, and a body with
 * exactly status/code/message (plus retry_after/details when `extraKeys` names them).
 */
export function expectStandardError(
  res: { status: number; contentType: string | null | undefined; text: string },
  status: number,
  code: string,
  extraKeys: readonly ('retry_after' | 'details')[] = [],
): ErrorBodyShape {
  expect(res.status).toBe(status);
  expect(res.contentType ?? '').toMatch(/^application\/json(;|$)/);
  const body = JSON.parse(res.text) as ErrorBodyShape;
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'status', ...extraKeys].sort());
  expect(body.status).toBe('error');
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

/** `expectStandardError` for a fetch Response (reads the body). */
export async function expectErrorResponse(
  res: Response,
  status: number,
  code: string,
  extraKeys: readonly ('retry_after' | 'details')[] = [],
): Promise<ErrorBodyShape> {
  const text = await res.text();
  return expectStandardError(
    { status: res.status, contentType: res.headers.get('content-type'), text },
    status,
    code,
    extraKeys,
  );
}

export type LogLine = Record<string, unknown>;

export const parseLogLines = (lines: readonly string[]): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);

/** The access-log line (`msg: "request"`) of the request with this id; fails when there is not exactly one. */
export function requestLogLine(lines: readonly string[], reqId: string): LogLine {
  const found = parseLogLines(lines).filter((l) => l['msg'] === 'request' && l['req_id'] === reqId);
  expect(found, `exactly one request log line for ${reqId}`).toHaveLength(1);
  return found[0] as LogLine;
}
