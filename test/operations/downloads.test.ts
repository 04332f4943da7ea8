/**
 * AtlassianCaller.download against a real HTTP server on loopback that misbehaves in the
 * ways a download can: a body longer than the limit (declared or not), a connection cut
 * part-way, a redirect, a rate limit before the body, an error body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianCaller } from '../../src/adapters/undici/atlassian-call.js';
import { createAtlassianHttp, type AtlassianHttp } from '../../src/adapters/undici/http-transport.js';
import type { AccessContext } from '../../src/domain/credentials.js';
import { TransferError, type FileDownload } from '../../src/domain/files.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

describe('AtlassianCaller.download', () => {
  let server: http.Server;
  let base = '';
  let handler: Handler = (_req, res) => res.end();
  let hits: string[] = [];
  let transport: AtlassianHttp;
  let caller: AtlassianCaller;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = createAtlassianHttp({ timeoutMs: 2000 });
    caller = new AtlassianCaller(transport, { retryBudgetMs: 5000, clock: systemClock, sleep: async () => undefined });
  });
  afterAll(async () => {
    await transport.close?.();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const ctx = (): AccessContext => ({
    baseUrl: base,
    siteUrl: base,
    authorization: 'Bearer secret-token',
    authType: 'oauth',
    flavour: 'cloud',
    version: 1,
    callerSuppliedHost: false,
  });
  const download = (maxBytes: number) => {
    hits = [];
    return caller.download(ctx(), { path: '/file/1', searchParams: { redirect: 'false' }, filename: 'f.bin', maxBytes, what: 'the attachment 1' })();
  };
  const readAll = async (file: FileDownload): Promise<Buffer> => {
    const chunks: Uint8Array[] = [];
    for await (const c of file.content) chunks.push(c);
    return Buffer.concat(chunks);
  };

  it('streams the body with its type and declared length, sending the credentials only to the site', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '6' });
      res.end('abcdef');
    };
    const got = await download(100);
    expect(got._tag).toBe('Right');
    if (got._tag !== 'Right') return;
    expect(got.right).toMatchObject({ filename: 'f.bin', mediaType: 'image/png', size: 6 });
    expect((await readAll(got.right)).toString()).toBe('abcdef');
    expect(hits).toEqual(['GET /file/1?redirect=false auth=Bearer secret-token']);
  });

  it('refuses a declared length over the limit before reading, and an undeclared one as soon as it passes it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(2048) });
      res.end(Buffer.alloc(2048));
    };
    const declared = await download(1024);
    expect(declared._tag === 'Left' && declared.left).toMatchObject({ code: 'VALIDATION', reason: 'payload_too_large', message: 'the attachment 1 is 2 KB, more than the 1 KB this service passes on (ATTACHMENT_MAX_BYTES).' });

    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Chunked, with no end in sight: the reader stops it.
      const timer = setInterval(() => {
        written += 1024;
        if (!res.write(Buffer.alloc(1024)) && written > 1024 * 1024) clearInterval(timer);
      }, 1);
      res.on('close', () => clearInterval(timer));
    };
    const undeclared = await download(8 * 1024);
    expect(undeclared._tag).toBe('Right');
    if (undeclared._tag !== 'Right') return;
    const error = await readAll(undeclared.right).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).error).toMatchObject({ code: 'VALIDATION', reason: 'payload_too_large' });
  });

  it('turns a connection cut part-way into a VENDOR_ERROR from the stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('only some');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const got = await download(10_000);
    if (got._tag !== 'Right') throw new Error('expected the headers');
    const error = await readAll(got.right).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as TransferError).error).toMatchObject({ code: 'VENDOR_ERROR', message: 'Atlassian broke off the attachment 1 after 9 bytes.' });
  });

  it('never follows a redirect', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    };
    const got = await download(100);
    expect(got._tag === 'Left' && got.left).toMatchObject({ code: 'VENDOR_ERROR' });
    expect(hits).toEqual(['GET /file/1?redirect=false auth=Bearer secret-token']);
  });

  it('retries a 429 before the body as reads do, and maps an error body to its code', async () => {
    let n = 0;
    handler = (_req, res) => {
      n += 1;
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end('{"errorMessages":["slow down"]}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    const got = await download(100);
    expect(hits).toHaveLength(2);
    if (got._tag !== 'Right') throw new Error('expected a retry to succeed');
    expect((await readAll(got.right)).toString()).toBe('ok');

    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorMessages: ['The attachment with id 1 does not exist.'], errors: {} }));
    };
    const missing = await download(100);
    expect(missing._tag === 'Left' && missing.left).toMatchObject({ code: 'NOT_FOUND', message: 'Atlassian answered 404 for the attachment 1: The attachment with id 1 does not exist.' });
  });
});
