/**
 * Files on Confluence pages against the fake: listed (v2), downloaded streamed over REST and
 * read as JSON by tools and MCP, uploaded multipart over REST and base64 by tools (v1, with
 * X-Atlassian-Token and minorEdit), the caps, and the page-ownership check.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, type Client, type Way } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/confluence\/[^/]+/, '');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('Confluence attachments (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  const binary = randomBytes(200 * 1024);
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
    const at = '2026-11-22T09:00:00.000Z';
    fake.confluenceContent.detail('1000001')!.attachments.push(
      { id: 'att9001', title: 'trace log.txt', mediaType: 'text/plain', createdAt: at, comment: 'from the pager', content: Buffer.from('boom: ünïcode ✓\n') },
      { id: 'att9002', title: 'dump.bin', mediaType: 'application/octet-stream', createdAt: at, comment: '', content: binary },
    );
    fake.confluenceContent.detail('1000004')!.attachments.push({ id: 'att9003', title: 'other.txt', mediaType: 'text/plain', createdAt: at, comment: '', content: Buffer.from('not yours') });
  });
  afterAll(async () => {
    const report = expectTrafficConforms(fake.requests);
    expect(report.validated).toContain('POST /wiki/rest/api/content/{id}/child/attachment');
    expect(report.validated).toContain('GET /pages/{id}/attachments');
    expect(report.validated).toContain('GET /attachments/{id}');
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path) }));
  const call = (way: Way, name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  it('lists the files of a page the same three ways', async () => {
    const listed = await expectSameEverywhere(svc.url, 'acme', 'confluence_list_attachments', { page: '1000001' });
    expect(listed.items).toEqual([
      { id: 'att9001', page_id: '1000001', filename: 'trace log.txt', media_type: 'text/plain', size: 20, created: '2026-11-22T09:00:00.000Z', version: 1, comment: 'from the pager' },
      { id: 'att9002', page_id: '1000001', filename: 'dump.bin', media_type: 'application/octet-stream', size: binary.length, created: '2026-11-22T09:00:00.000Z', version: 1, comment: null },
    ]);
  });

  it('downloads over REST streamed, with type, name and length, from the downloadLink', async () => {
    const res = await fetch(`${svc.url}/connectors/confluence/pages/1000001/attachments/att9002`, { headers: { 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="dump.bin"');
    expect(res.headers.get('content-length')).toBe(String(binary.length));
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(binary));
    expect(sent()).toEqual([
      { method: 'GET', path: '/wiki/api/v2/attachments/att9002' },
      { method: 'GET', path: '/wiki/download/attachments/1000001/dump.bin' },
    ]);
  });

  it('reads as a tool and over MCP: text as text, other files base64; over the tool cap it says to use REST', async () => {
    for (const way of ['tool', 'mcp'] as const) {
      const text = await call(way, 'confluence_get_attachment', { page: '1000001', attachment: 'att9001' });
      expect(text.value).toEqual({ id: 'att9001', page_id: '1000001', filename: 'trace log.txt', media_type: 'text/plain', size: 20, encoding: 'text', content: 'boom: ünïcode ✓\n' });
      const big = await call(way, 'confluence_get_attachment', { page: '1000001', attachment: 'att9002' });
      expect(big.value).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('ATTACHMENT_TOOL_MAX_BYTES') as unknown });
    }
  });

  it('refuses an attachment of another page, an unknown one and a bad id, without downloading', async () => {
    for (const way of ['rest', 'tool', 'mcp'] as const) {
      const other = await call(way, 'confluence_get_attachment', { page: '1000001', attachment: 'att9003' });
      expect(other.value).toMatchObject({ code: 'NOT_FOUND', message: 'Confluence page 1000001 has no attachment att9003 that this connection may see.' });
    }
    expectError(await api.get('/connectors/confluence/pages/1000001/attachments/att424242'), 404, 'NOT_FOUND');
    expect(sent().filter((r) => r.path.startsWith('/wiki/download/'))).toEqual([]);
    mark = fake.requests.length;
    expectError(await api.get('/connectors/confluence/pages/1000001/attachments/9001'), 400, 'VALIDATION');
    expectError(await api.get('/connectors/confluence/pages/1000001/attachments/att..%2F1'), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('uploads over REST as multipart through v1: once, with X-Atlassian-Token and minorEdit, 201 with the attachment', async () => {
    const file = randomBytes(60 * 1024);
    const form = new FormData();
    form.append('minor_edit', 'false');
    form.append('file', new Blob([file], { type: 'application/x-custom' }), 'big.bin');
    const res = await fetch(`${svc.url}/connectors/confluence/pages/1000002/attachments`, { method: 'POST', headers: { 'x-tenant-id': 'acme' }, body: form });
    const body = (await res.json()) as { page_id: string; attachment: { id: string; size: number; media_type: string } };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ page_id: '1000002', attachment: { filename: 'big.bin', size: file.length, media_type: 'application/x-custom' } });
    const posts = apiRequests(fake, mark).filter((r) => r.method === 'POST');
    expect(posts.map((r) => inner(r.path))).toEqual(['/wiki/rest/api/content/1000002/child/attachment']);
    expect(posts[0]?.headers['x-atlassian-token']).toBe('no-check');
    expect(String(posts[0]?.body)).toMatch(/name="minorEdit"\r\n\r\nfalse\r\n/);
    expect(sha(fake.confluenceContent.detail('1000002')!.attachments.at(-1)!.content)).toBe(sha(file));
    const back = await fetch(`${svc.url}/connectors/confluence/pages/1000002/attachments/${body.attachment.id}`, { headers: { 'x-tenant-id': 'acme' } });
    expect(sha(new Uint8Array(await back.arrayBuffer()))).toBe(sha(file));
  });

  it('uploads as a tool and over MCP in base64 (a minor edit by default), and refuses over the tool cap before sending', async () => {
    const tool = await call('tool', 'confluence_add_attachment', { page: '1000002', filename: 'notes.md', content_base64: Buffer.from('# Notes\n').toString('base64') });
    expect(tool.value).toMatchObject({ page_id: '1000002', attachment: { filename: 'notes.md', size: 8, media_type: 'text/markdown' } });
    expect(String(apiRequests(fake, mark).find((r) => r.method === 'POST')?.body)).toMatch(/name="minorEdit"\r\n\r\ntrue\r\n/);
    const mcp = await call('mcp', 'confluence_add_attachment', { page: '1000002', filename: 'x.dat', content_base64: 'AAEC', media_type: 'application/x-thing' });
    expect(mcp.value).toMatchObject({ attachment: { filename: 'x.dat', size: 3 } });
    mark = fake.requests.length;
    const tooBig = await call('tool', 'confluence_add_attachment', { page: '1000002', filename: 'big.bin', content_base64: randomBytes(50 * 1024).toString('base64') });
    expect(tooBig.value).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('multipart/form-data') as unknown });
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('an upload Confluence refuses (the same name again) is its 400, sent once', async () => {
    const res = await call('tool', 'confluence_add_attachment', { page: '1000002', filename: 'notes.md', content_base64: 'aGk=' });
    expect(res.value).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('same file name') as unknown });
    expect(apiRequests(fake, mark).filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('Confluence attachments over REST under ATTACHMENT_MAX_BYTES=64 KB', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { ATTACHMENT_MAX_BYTES: String(64 * 1024) }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    fake.confluenceContent.detail('1000001')!.attachments.push({
      id: 'att9100',
      title: 'large.bin',
      mediaType: 'application/octet-stream',
      createdAt: '2026-11-22T09:00:00.000Z',
      comment: '',
      content: randomBytes(100 * 1024),
    });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('refuses a file over the cap with 413 naming it, both ways, before any of its bytes move', async () => {
    const mark = fake.requests.length;
    const down = await client(svc.url, 'acme').get('/connectors/confluence/pages/1000001/attachments/att9100');
    expectError(down, 413, 'VALIDATION');
    expect(down.body.message).toBe('Attachment att9100 (large.bin) is 100 KB, more than the 64 KB allowed (ATTACHMENT_MAX_BYTES).');
    const form = new FormData();
    form.append('file', new Blob([randomBytes(65 * 1024)], { type: 'application/octet-stream' }), 'big.bin');
    const up = await fetch(`${svc.url}/connectors/confluence/pages/1000001/attachments`, { method: 'POST', headers: { 'x-tenant-id': 'acme' }, body: form });
    expect(up.status).toBe(413);
    expect(await up.json()).toMatchObject({ code: 'VALIDATION', message: 'The file is larger than the 64 KB allowed (ATTACHMENT_MAX_BYTES).' });
    // Only the attachment's metadata was read: no download, no upload.
    expect(apiRequests(fake, mark).map((r) => `${r.method} ${inner(r.path)}`)).toEqual(['GET /wiki/api/v2/attachments/att9100']);
  });
});
