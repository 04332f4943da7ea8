/**
 * Attachments against the fake Atlassian: downloads streamed over REST and as JSON for tools
 * and MCP, multipart uploads over REST and base64 ones for tools, deletes; the size caps,
 * the issue-ownership check, JIRA_PROJECTS_FILTER, redirects never followed, uploads never
 * retried, and Data Center's v2 paths.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian, type FakeAttachment } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, loopbackHttp, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const attach = (fake: FakeAtlassian, key: string, a: Omit<FakeAttachment, 'created' | 'author'>): void => {
  const issue = fake.jira.issues.find((i) => i.key === key)!;
  issue.attachments = [...(issue.attachments ?? []), { created: '2026-11-21T10:00:00.000+0000', author: 'Mia Krystof', ...a }];
};

/** A multipart upload as a browser or curl sends it. */
const upload = (url: string, tenant: string, path: string, parts: Array<{ name: string; filename?: string; type?: string; content: Uint8Array | string }>) => {
  const form = new FormData();
  for (const p of parts) {
    if (p.filename === undefined) form.append(p.name, typeof p.content === 'string' ? p.content : Buffer.from(p.content).toString());
    else form.append(p.name, new Blob([p.content], { type: p.type ?? 'application/octet-stream' }), p.filename);
  }
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'x-tenant-id': tenant }, body: form });
};

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

describe('Jira attachments (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  const binary = randomBytes(300 * 1024);
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
    attach(fake, 'OPS-1', { id: '30001', filename: 'trace.log', mimeType: 'text/plain', content: Buffer.from('boom: ünïcode ✓\n') });
    attach(fake, 'OPS-1', { id: '30002', filename: 'dump.bin', mimeType: 'application/octet-stream', content: binary });
    attach(fake, 'OPS-1', { id: '30003', filename: 'pixel.png', mimeType: 'image/png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
    attach(fake, 'OPS-2', { id: '30004', filename: 'other.txt', mimeType: 'text/plain', content: Buffer.from('not yours') });
  });
  afterAll(async () => {
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query.toString() }));
  const call = (way: 'rest' | 'tool' | 'mcp', name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  it('downloads over REST: the bytes streamed with their type, name and length, from the issue the caller named', async () => {
    const res = await fetch(`${svc.url}/connectors/jira/issues/OPS-1/attachments/30002`, { headers: { 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="dump.bin"');
    expect(res.headers.get('content-length')).toBe(String(binary.length));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(binary));
    // The issue's attachment list first (ownership and size), then the bytes without a redirect.
    expect(sent()).toEqual([
      { method: 'GET', path: '/rest/api/3/issue/OPS-1', query: 'fields=attachment%2Cproject' },
      { method: 'GET', path: '/rest/api/3/attachment/content/30002', query: 'redirect=false' },
    ]);
    const text = await fetch(`${svc.url}/connectors/jira/issues/OPS-1/attachments/30001`, { headers: { 'x-tenant-id': 'acme' } });
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect(await text.text()).toBe('boom: ünïcode ✓\n');
  });

  it('reads as a tool and over MCP: text types as text, other files as base64, the same both ways', async () => {
    for (const way of ['tool', 'mcp'] as const) {
      const text = await call(way, 'jira_get_attachment', { issue: 'OPS-1', attachment: '30001' });
      expect(text.value).toEqual({ id: '30001', issue: 'OPS-1', filename: 'trace.log', media_type: 'text/plain', size: 20, encoding: 'text', content: 'boom: ünïcode ✓\n' });
      const png = await call(way, 'jira_get_attachment', { issue: 'OPS-1', attachment: '30003' });
      expect(png.value).toMatchObject({ media_type: 'image/png', encoding: 'base64', size: 16 });
      expect(Buffer.from(png.value.content, 'base64').toString('hex')).toBe('89504e470d0a1a0a0000000d49484452');
    }
  });

  it("refuses an attachment of another issue, or one that does not exist, as NOT_FOUND without downloading it", async () => {
    for (const way of ['rest', 'tool', 'mcp'] as const) {
      const other = await call(way, 'jira_get_attachment', { issue: 'OPS-1', attachment: '30004' });
      expect(other.ok).toBe(false);
      expect(other.value).toMatchObject({ status: 'error', code: 'NOT_FOUND', message: 'Jira issue OPS-1 has no attachment 30004 that this connection may see.' });
    }
    expectError(await api.get('/connectors/jira/issues/OPS-999/attachments/30001'), 404, 'NOT_FOUND');
    expect(sent().filter((r) => r.path.includes('/attachment/content/'))).toEqual([]);
    mark = fake.requests.length;
    expectError(await api.get('/connectors/jira/issues/OPS-1/attachments/abc'), 400, 'VALIDATION');
    expectError(await api.get('/connectors/jira/issues/..%2F..%2Fadmin/attachments/1'), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('never follows a redirect, even to a host that looks like Atlassian: a 502, and the target never hears of it', async () => {
    const target = await startFakeAtlassian();
    try {
      fake.inject({ kind: 'status', path: '/rest/api/3/attachment/content/', status: 303, body: '', headers: { location: `${target.url}/media/file/30001` } });
      const res = await api.get('/connectors/jira/issues/OPS-1/attachments/30001');
      expectError(res, 502, 'VENDOR_ERROR');
      expect(res.body.message).toMatch(/redirect \(303\); it is not followed/);
      expect(target.requests).toEqual([]);
    } finally {
      fake.clearFaults();
      await target.close();
    }
  });

  it('uploads over REST as multipart: sent once with X-Atlassian-Token, the bytes intact, 201 with what Jira attached', async () => {
    const file = randomBytes(70 * 1024);
    const res = await json(await upload(svc.url, 'acme', '/connectors/jira/issues/OPS-3/attachments', [{ name: 'file', filename: 'big.bin', type: 'application/x-custom', content: file }]));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ issue: 'OPS-3', attachments: [{ filename: 'big.bin', size: file.length, media_type: 'application/x-custom', author: 'Mia Krystof' }] });
    const posts = apiRequests(fake, mark).filter((r) => r.method === 'POST');
    expect(posts.map((r) => inner(r.path))).toEqual(['/rest/api/3/issue/OPS-3/attachments']);
    expect(posts[0]?.headers['x-atlassian-token']).toBe('no-check');
    expect(String(posts[0]?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const stored = fake.jira.issues.find((i) => i.key === 'OPS-3')!.attachments!.at(-1)!;
    expect(sha(stored.content)).toBe(sha(file));
    // ...and it reads back the same.
    const id = (res.body['attachments'] as Array<{ id: string }>)[0]!.id;
    const back = await fetch(`${svc.url}/connectors/jira/issues/OPS-3/attachments/${id}`, { headers: { 'x-tenant-id': 'acme' } });
    expect(sha(new Uint8Array(await back.arrayBuffer()))).toBe(sha(file));
  });

  it('uploads as a tool and over MCP in base64, the media type from the name when none is given', async () => {
    const tool = await call('tool', 'jira_add_attachment', { issue: 'OPS-3', filename: 'notes.md', content_base64: Buffer.from('# Notes\n').toString('base64') });
    expect(tool.value).toMatchObject({ issue: 'OPS-3', attachments: [{ filename: 'notes.md', size: 8, media_type: 'text/markdown' }] });
    const mcp = await call('mcp', 'jira_add_attachment', { issue: 'OPS-3', filename: 'x.dat', content_base64: 'AAEC', media_type: 'application/x-thing' });
    expect(mcp.value).toMatchObject({ attachments: [{ filename: 'x.dat', size: 3, media_type: 'application/x-thing' }] });
    expect(sha(fake.jira.issues.find((i) => i.key === 'OPS-3')!.attachments!.at(-1)!.content)).toBe(sha(Buffer.from([0, 1, 2])));
  });

  it('refuses a bad upload with a 400 naming the problem, and sends nothing to Jira', async () => {
    const path = '/connectors/jira/issues/OPS-3/attachments';
    const cases: Array<[Promise<Response>, RegExp]> = [
      [fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' }, body: '{"filename":"a"}' }), /multipart\/form-data with the file in a part named file/],
      [upload(svc.url, 'acme', path, [{ name: 'comment', content: 'no file' }]), /no file in a part named file/],
      [upload(svc.url, 'acme', path, [{ name: 'document', filename: 'a.txt', content: 'x' }]), /part named file, not "document"/],
      [upload(svc.url, 'acme', path, [{ name: 'file', content: 'not a file' }]), /must be a file/],
      [
        upload(svc.url, 'acme', path, [
          { name: 'file', filename: 'a.txt', content: 'a' },
          { name: 'file', filename: 'b.txt', content: 'b' },
        ]),
        /more than one file/,
      ],
      [upload(svc.url, 'acme', path, [{ name: 'file', filename: 'a.txt', content: 'a' }, { name: 'comment', content: 'hi' }]), /comment/],
      [
        fetch(`${svc.url}${path}`, {
          method: 'POST',
          headers: { 'x-tenant-id': 'acme', 'content-type': 'multipart/form-data; boundary=XYZ' },
          body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf a fi',
        }),
        /malformed/,
      ],
    ];
    for (const [pending, message] of cases) {
      const res = await json(await pending);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ status: 'error', code: 'VALIDATION' });
      expect(String(res.body['message'])).toMatch(message);
    }
    for (const args of [
      { issue: 'OPS-3', filename: 'a.txt', content_base64: 'not base64!' },
      { issue: 'OPS-3', filename: '../a.txt', content_base64: 'AAAA' },
      { issue: 'OPS-3', filename: 'a\u0007.txt', content_base64: 'AAAA' },
      { issue: 'OPS-3', filename: 'a.txt', content_base64: 'AAAA', media_type: 'not a type' },
    ]) {
      const tool = await call('tool', 'jira_add_attachment', args);
      expect(tool.status, JSON.stringify(args)).toBe(400);
    }
    expect(apiRequests(fake, mark).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('never retries an upload: a 503 from Jira is one POST and a 502', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/issue/OPS-3/attachments', method: 'POST', status: 503, times: 3 });
    try {
      const res = await json(await upload(svc.url, 'acme', '/connectors/jira/issues/OPS-3/attachments', [{ name: 'file', filename: 'a.txt', content: 'a' }]));
      expect(res.status).toBe(502);
      expect(apiRequests(fake, mark).filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      fake.clearFaults();
    }
  });

  it('deletes: 204 over REST, {deleted} as a tool; an attachment the issue does not list is NOT_FOUND and nothing is deleted', async () => {
    attach(fake, 'OPS-4', { id: '30010', filename: 'a.txt', mimeType: 'text/plain', content: Buffer.from('a') });
    attach(fake, 'OPS-4', { id: '30011', filename: 'b.txt', mimeType: 'text/plain', content: Buffer.from('b') });
    expect(await call('rest', 'jira_delete_attachment', { issue: 'OPS-4', attachment: '30010' })).toEqual({ ok: true, status: 204, value: undefined });
    expect(sent().at(-1)).toEqual({ method: 'DELETE', path: '/rest/api/3/attachment/30010', query: '' });
    expect((await call('tool', 'jira_delete_attachment', { issue: 'OPS-4', attachment: '30011' })).value).toEqual({ deleted: '30011' });
    expect(fake.jira.issues.find((i) => i.key === 'OPS-4')!.attachments).toEqual([]);
    mark = fake.requests.length;
    const mcp = await call('mcp', 'jira_delete_attachment', { issue: 'OPS-4', attachment: '30001' });
    expect(mcp.value).toMatchObject({ status: 'error', code: 'NOT_FOUND' });
    expect(sent().filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(fake.jira.issues.find((i) => i.key === 'OPS-1')!.attachments!.some((a) => a.id === '30001')).toBe(true);
  });
});

describe('Jira attachments: the caps, JIRA_PROJECTS_FILTER and Data Center', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: { ENABLE_JIRA_PAT: 'true', JIRA_PROJECTS_FILTER: 'OPS', ATTACHMENT_MAX_BYTES: String(64 * 1024), ATTACHMENT_TOOL_MAX_BYTES: '2048' },
      overrides: { atlassianHttp: loopbackHttp() },
    });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
    api = client(svc.url, 'dc');
    attach(fake, 'OPS-1', { id: '30001', filename: 'small.txt', mimeType: 'text/plain', content: Buffer.from('small') });
    attach(fake, 'OPS-1', { id: '30002', filename: 'medium.bin', mimeType: 'application/octet-stream', content: randomBytes(10 * 1024) });
    attach(fake, 'OPS-1', { id: '30003', filename: 'large.bin', mimeType: 'application/octet-stream', content: randomBytes(100 * 1024) });
    attach(fake, 'WEB-1', { id: '30004', filename: 'web.txt', mimeType: 'text/plain', content: Buffer.from('outside the filter') });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, query: r.query.toString() }));
  const call = (way: 'rest' | 'tool' | 'mcp', name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'dc', way, name, input);

  it("uses Data Center's v2 paths for all three", async () => {
    const down = await fetch(`${svc.url}/connectors/jira/issues/OPS-1/attachments/30001`, { headers: { 'x-tenant-id': 'dc' } });
    expect(await down.text()).toBe('small');
    const up = await upload(svc.url, 'dc', '/connectors/jira/issues/OPS-1/attachments', [{ name: 'file', filename: 'dc.txt', type: 'text/plain', content: 'dc' }]);
    expect(up.status).toBe(201);
    const id = ((await up.json()) as { attachments: Array<{ id: string }> }).attachments[0]!.id;
    expect((await api.delete(`/connectors/jira/issues/OPS-1/attachments/${id}`)).status).toBe(204);
    expect(sent().filter((r) => r.path.includes('attachment'))).toEqual([
      { method: 'GET', path: '/rest/api/2/attachment/content/30001', query: 'redirect=false' },
      { method: 'POST', path: '/rest/api/2/issue/OPS-1/attachments', query: '' },
      { method: 'DELETE', path: `/rest/api/2/attachment/${id}`, query: '' },
    ]);
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES with a 413 before any byte moves, both ways', async () => {
    const down = await api.get('/connectors/jira/issues/OPS-1/attachments/30003');
    expectError(down, 413, 'VALIDATION');
    expect(down.body.message).toBe('Attachment 30003 (large.bin) is 100 KB, more than the 64 KB allowed (ATTACHMENT_MAX_BYTES).');
    const up = await json(await upload(svc.url, 'dc', '/connectors/jira/issues/OPS-1/attachments', [{ name: 'file', filename: 'big.bin', content: randomBytes(65 * 1024) }]));
    expect(up.status).toBe(413);
    expect(up.body).toMatchObject({ code: 'VALIDATION', message: 'The file is larger than the 64 KB allowed (ATTACHMENT_MAX_BYTES).' });
    expect(sent().filter((r) => r.path.includes('attachment'))).toEqual([]);
  });

  it('bounds a tool by ATTACHMENT_TOOL_MAX_BYTES, pointing at the REST route', async () => {
    const read = await call('tool', 'jira_get_attachment', { issue: 'OPS-1', attachment: '30002' });
    expect(read.status).toBe(413);
    expect(read.value.message).toBe(
      'Attachment 30002 (medium.bin) is 10 KB, more than the 2 KB allowed (ATTACHMENT_TOOL_MAX_BYTES). Download it over REST instead: GET /connectors/jira/issues/OPS-1/attachments/30002.',
    );
    const write = await call('mcp', 'jira_add_attachment', { issue: 'OPS-1', filename: 'x.bin', content_base64: randomBytes(3000).toString('base64') });
    expect(write.value.message).toMatch(/is 3 KB, more than the 2 KB allowed \(ATTACHMENT_TOOL_MAX_BYTES\)\. Upload it over REST instead/);
    expect(sent().filter((r) => r.path.includes('attachment'))).toEqual([]);
  });

  it('answers 404 for an issue outside JIRA_PROJECTS_FILTER, without calling Jira', async () => {
    for (const way of ['rest', 'tool', 'mcp'] as const) {
      const res = await call(way, 'jira_get_attachment', { issue: 'WEB-1', attachment: '30004' });
      expect(res.value).toMatchObject({ code: 'NOT_FOUND', message: 'Jira has no issue WEB-1 that this connection may see.' });
    }
    const up = await upload(svc.url, 'dc', '/connectors/jira/issues/WEB-1/attachments', [{ name: 'file', filename: 'a.txt', content: 'a' }]);
    expect(up.status).toBe(404);
    expectError(await api.delete('/connectors/jira/issues/WEB-1/attachments/30004'), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
  });
});
