/**
 * Confluence pages against the fake Atlassian, over REST, tools/invoke and MCP: reading
 * (Markdown or raw, by id or title), updating with the version check and Confluence's own 409,
 * appending without touching the rest, the tree, moving, deleting, comments, labels, one space,
 * search's type and space, and CONFLUENCE_SPACES_FILTER. Ends by holding all traffic to the
 * official documents.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, qs, type Client, type Way } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/confluence\/[^/]+/, '');
const WAYS: readonly Way[] = ['rest', 'tool', 'mcp'];

const MACRO_PAGE =
  '<h1>Runbook</h1><ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>Keep calm.</p></ac:rich-text-body></ac:structured-macro>' +
  '<h2>Steps</h2><p>Look at the <ac:link><ri:page ri:content-title="Dashboard" /></ac:link>.</p>' +
  '<ac:structured-macro ac:name="jira" ac:schema-version="1"><ac:parameter ac:name="key">OPS-1</ac:parameter></ac:structured-macro>' +
  '<h2>Contacts</h2><p>The on-call phone.</p>';

describe('Confluence pages (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    const report = expectTrafficConforms(fake.requests);
    // The new calls were all held to a document (v1 where v2 has none).
    for (const call of [
      'GET /pages/{id}',
      'PUT /pages/{id}',
      'DELETE /pages/{id}',
      'GET /pages',
      'GET /pages/{id}/ancestors',
      'GET /pages/{id}/children',
      'GET /wiki/rest/api/content/{id}',
      'GET /wiki/rest/api/content/{id}/descendant/{type}',
      'GET /pages/{id}/footer-comments',
      'POST /footer-comments',
      'GET /pages/{id}/labels',
      'POST /wiki/rest/api/content/{id}/label',
      'DELETE /wiki/rest/api/content/{id}/label/{label}',
      'GET /spaces/{id}',
    ]) {
      expect(report.validated, call).toContain(call);
    }
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query.toString(), body: r.body }));
  const call = (way: Way, name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  it('reads a page the same three ways: its space, version, ancestors, labels, link and the body in Markdown', async () => {
    const page = await expectSameEverywhere(svc.url, 'acme', 'confluence_get_page', { page: '1000007' });
    expect(page).toMatchObject({
      id: '1000007',
      title: 'Onboarding guide 7',
      space: { id: '98305', key: 'ENG' },
      status: 'current',
      version: { number: 1, author_id: '5b10ac8d82e05b22cc7d4ef5', created: '2026-11-20T10:15:30.000Z', message: null, minor_edit: false },
      parent_id: '1000004',
      ancestors: [
        { id: '1000001', title: 'Onboarding guide 1' },
        { id: '1000004', title: 'Architecture overview 4' },
      ],
      labels: [],
      body_format: 'markdown',
      body: '# Onboarding guide 7\n\nHow new engineers set up their laptop and get access.\n',
    });
    expect(page.url).toBe('https://acme.atlassian.net/wiki/spaces/ENG/pages/1000007/Onboarding+guide+7');
    const raw = await api.get('/connectors/confluence/pages/1000001?format=storage');
    expect(raw.body).toMatchObject({ body_format: 'storage', body: '<h1>Onboarding guide 1</h1><p>How new engineers set up their laptop and get access.</p>', labels: ['onboarding'] });
    const adf = await api.get('/connectors/confluence/pages/1000001?format=adf');
    expect(JSON.parse(adf.body.body as string)).toMatchObject({ type: 'doc', version: 1 });
  });

  it('answers a page read again unchanged with the same bytes, and one changed behind its back anew, every way', async () => {
    const path = '/connectors/confluence/pages/1000023';
    const rest = async () => {
      const res = await fetch(`${svc.url}${path}`, { headers: { 'x-tenant-id': 'acme' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const text = await res.text();
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      return text;
    };
    const first = await rest();
    mark = fake.requests.length;
    expect(await rest()).toBe(first);
    // Atlassian is asked every time: nothing is served on time alone.
    expect(sent()).toHaveLength(1);
    const page = JSON.parse(first) as { body: string; title: string };
    expect(page.body.startsWith('# ')).toBe(true);
    // Changed in Confluence by someone else: the next read shows it, over REST, tools/invoke and MCP.
    fake.confluenceContent.detail('1000023')!.body = MACRO_PAGE;
    const changed = JSON.parse(await rest()) as { body: string };
    expect(changed.body).toContain('# Runbook');
    expect(changed.body).toContain('Keep calm.');
    for (const way of ['tool', 'mcp'] as const) {
      const res = await call(way, 'confluence_get_page', { page: '1000023' });
      expect(res.value).toEqual(changed);
    }
    // The raw storage of the same page is its own answer, and Markdown comes back the same after it.
    const storage = await api.get(`${path}?format=storage`);
    expect(storage.body).toMatchObject({ body_format: 'storage', body: MACRO_PAGE });
    expect(JSON.parse(await rest())).toEqual(changed);
    // Changed through the service: the read after the write has the new version and title.
    expect((await api.patch(path, { title: 'Runbook, renamed' })).status).toBe(200);
    expect(JSON.parse(await rest())).toMatchObject({ title: 'Runbook, renamed', version: { number: 2 }, body: changed.body });
  });

  it('finds a page by space key and exact title, and says which is missing', async () => {
    const found = await expectSameEverywhere(svc.url, 'acme', 'confluence_find_page', { space_key: 'ENG', title: 'Architecture overview 4' });
    expect(found).toMatchObject({ id: '1000004', space: { key: 'ENG' }, ancestors: [{ id: '1000001' }] });
    expect(expectError(await api.get(`/connectors/confluence/pages${qs({ space_key: 'ENG', title: 'Architecture overview' })}`), 404, 'NOT_FOUND').message).toBe(
      'Space ENG has no page titled exactly "Architecture overview".',
    );
    expectError(await api.get(`/connectors/confluence/pages${qs({ space_key: 'NOPE', title: 'x' })}`), 404, 'NOT_FOUND');
  });

  it('refuses a page id that is not digits before calling Atlassian, and answers an unknown page 404', async () => {
    for (const bad of ['abc', '..%2F..%2Fadmin', '1 OR 1', '-1']) expectError(await api.get(`/connectors/confluence/pages/${bad}`), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
    const missing = expectError(await api.get('/connectors/confluence/pages/999999'), 404, 'NOT_FOUND');
    expect(missing.message).toBe('Confluence has no page 999999 that this connection may see.');
  });

  it('updates title and body: Markdown becomes storage, the version is the current one plus one, with its message and minor edit', async () => {
    for (const [n, way] of WAYS.entries()) {
      const id = ['1000013', '1000016', '1000019'][n]!;
      mark = fake.requests.length;
      const res = await call(way, 'confluence_update_page', { page: id, title: `Updated ${way}`, body: '# New\n\n- **a**\n- b', version_message: 'via test', minor_edit: true });
      expect(res.ok, JSON.stringify(res.value)).toBe(true);
      expect(res.value).toMatchObject({ id, title: `Updated ${way}`, version: 2 });
      const put = sent().filter((r) => r.method === 'PUT');
      expect(put).toHaveLength(1);
      expect(put[0]!.body).toMatchObject({
        id,
        status: 'current',
        title: `Updated ${way}`,
        body: { representation: 'storage', value: '<h1>New</h1><ul><li><strong>a</strong></li><li>b</li></ul>' },
        version: { number: 2, message: 'via test', minorEdit: true },
      });
      // Read back: the version's message and minor edit are Confluence's answer, not an echo.
      expect((await call(way, 'confluence_get_page', { page: id })).value).toMatchObject({ version: { number: 2, message: 'via test', minor_edit: true } });
    }
    // A title alone sends the stored body back untouched.
    fake.confluenceContent.detail('1000022')!.body = MACRO_PAGE;
    mark = fake.requests.length;
    expect((await api.patch('/connectors/confluence/pages/1000022', { title: 'Only the title' })).status).toBe(200);
    expect(sent().find((r) => r.method === 'PUT')?.body).toMatchObject({ title: 'Only the title', body: { representation: 'storage', value: MACRO_PAGE } });
    // Storage is sent as given.
    const storage = await api.patch('/connectors/confluence/pages/1000022', { body: MACRO_PAGE.replace('Keep calm.', 'Stay calm.'), body_format: 'storage', version: 2 });
    expect(storage.status, storage.text).toBe(200);
    expect(fake.confluenceContent.detail('1000022')!.body).toBe(MACRO_PAGE.replace('Keep calm.', 'Stay calm.'));
    // ADF is sent as given too, as its JSON text, macros (an extension) and all.
    const adf = JSON.stringify({
      type: 'doc',
      version: 1,
      content: [
        { type: 'extension', attrs: { extensionType: 'com.atlassian.confluence.macro.core', extensionKey: 'toc', parameters: { macroParams: { maxLevel: { value: '2' } } } } },
        { type: 'paragraph', content: [{ type: 'text', text: 'As given' }] },
      ],
    });
    mark = fake.requests.length;
    const adfRes = await call('tool', 'confluence_update_page', { page: '1000022', body: adf, body_format: 'atlas_doc_format' });
    expect(adfRes.ok, JSON.stringify(adfRes.value)).toBe(true);
    expect(sent().filter((r) => r.method === 'PUT').map((r) => r.body)).toMatchObject([{ body: { representation: 'atlas_doc_format', value: adf }, version: { number: 4 } }]);
    expectError(await api.patch('/connectors/confluence/pages/1000022', {}), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/confluence/pages/1000022', { body: '{not json', body_format: 'atlas_doc_format' }), 400, 'VALIDATION');
  });

  it('with version given, changes nothing when the page has moved on: 409 CONFLICT with the current version, on every way', async () => {
    const detail = fake.confluenceContent.detail('1000025')!;
    detail.version = 5;
    for (const way of WAYS) {
      mark = fake.requests.length;
      const res = await call(way, 'confluence_update_page', { page: '1000025', body: 'stale', version: 4 });
      expect(res.ok).toBe(false);
      expect(res.value).toEqual({
        status: 'error',
        code: 'CONFLICT',
        message: 'Page 1000025 is at version 5, not 4: read it again (confluence_get_page) and redo the change on what it says now.',
        details: { current_version: '5' },
      });
      if (way === 'rest') expect(res.status).toBe(409);
      expect(sent().filter((r) => r.method === 'PUT')).toEqual([]);
    }
    expect(detail.version).toBe(5);
  });

  it("a change made between the read and the write is Confluence's 409: CONFLICT with the version now, sent once, never retried", async () => {
    for (const [id, name, input] of [
      ['1000026', 'confluence_update_page', { page: '1000026', body: 'mine' }],
      ['1000027', 'confluence_append_to_page', { page: '1000027', markdown: 'mine' }],
    ] as const) {
      const detail = fake.confluenceContent.detail(id)!;
      detail.version = 1;
      // Our PUT (at version 2) is held on its way while someone else saves version 2.
      fake.inject({ kind: 'delay', path: `/wiki/api/v2/pages/${id}`, method: 'PUT', ms: 400, times: 1 });
      mark = fake.requests.length;
      const pending = api.send(name === 'confluence_update_page' ? 'PATCH' : 'POST', name === 'confluence_update_page' ? `/connectors/confluence/pages/${id}` : `/connectors/confluence/pages/${id}/append`, {
        ...input,
        page: undefined,
      });
      const deadline = Date.now() + 5000;
      while (!sent().some((r) => r.method === 'PUT') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(sent().some((r) => r.method === 'PUT')).toBe(true);
      detail.version = 2;
      detail.body = '<p>theirs</p>';
      const res = await pending;
      // The other writer's version, as Confluence answers after its save; their change stands.
      const body = expectError(res, 409, 'CONFLICT');
      expect(body.details).toEqual({ current_version: '2' });
      expect(body.message).toContain('version 2');
      expect(sent().filter((r) => r.method === 'PUT')).toHaveLength(1);
      expect(detail.body).toBe('<p>theirs</p>');
      expect(detail.version).toBe(2);
    }
  });

  it('appends Markdown at the end, or at the end of a section, leaving macros and the rest byte for byte', async () => {
    const detail = fake.confluenceContent.detail('1000030')!;
    detail.body = MACRO_PAGE;
    const end = await call('tool', 'confluence_append_to_page', { page: '1000030', markdown: 'Last line.' });
    expect(end.value).toMatchObject({ id: '1000030', version: 2 });
    expect(detail.body).toBe(`${MACRO_PAGE}<p>Last line.</p>`);
    const under = await call('mcp', 'confluence_append_to_page', { page: '1000030', markdown: '1. Page the DBA', after_heading: '  steps ', version: 2 });
    expect(under.ok, JSON.stringify(under.value)).toBe(true);
    expect(detail.body).toBe(MACRO_PAGE.replace('<h2>Contacts</h2>', '<ol><li>Page the DBA</li></ol><h2>Contacts</h2>') + '<p>Last line.</p>');
    const missing = expectError(await api.post('/connectors/confluence/pages/1000030/append', { markdown: 'x', after_heading: 'Nope' }), 400, 'VALIDATION');
    expect(missing.message).toBe('Page 1000030 has no heading "Nope"; its headings: "Runbook", "Steps", "Contacts".');
    const stale = expectError(await api.post('/connectors/confluence/pages/1000030/append', { markdown: 'x', version: 1 }), 409, 'CONFLICT');
    expect(stale.details).toEqual({ current_version: '3' });
  });

  it('lists children, descendants with their depth, and ancestors parent first', async () => {
    const children = await expectSameEverywhere(svc.url, 'acme', 'confluence_list_children', { page: '1000001' });
    expect(children.items.map((p: { id: string }) => p.id)).toEqual(['1000004']);
    const down = await expectSameEverywhere(svc.url, 'acme', 'confluence_list_descendants', { page: '1000001', depth: 2 });
    expect(down.items.map((p: { id: string; depth: number }) => [p.id, p.depth])).toEqual([
      ['1000004', 1],
      ['1000007', 2],
    ]);
    const all = await api.get('/connectors/confluence/pages/1000001/descendants?depth=10&limit=2');
    expect(all.body.items).toHaveLength(2);
    const rest = await api.get(`/connectors/confluence/pages/1000001/descendants${qs({ depth: 10, limit: 2, cursor: all.body.next_cursor })}`);
    expect(rest.body.items.map((p: { depth: number }) => p.depth)).toEqual([3, 4]);
    const up = await expectSameEverywhere(svc.url, 'acme', 'confluence_list_ancestors', { page: '1000007' });
    expect(up.items.map((p: { id: string; title: string; depth: number }) => [p.id, p.title, p.depth])).toEqual([
      ['1000004', 'Architecture overview 4', 1],
      ['1000001', 'Onboarding guide 1', 2],
    ]);
    expectError(await api.get('/connectors/confluence/pages/1000001/descendants?depth=11'), 400, 'VALIDATION');
  });

  it('moves a page under another parent of its space as a new version, and refuses another space or its own descendant', async () => {
    const res = await call('rest', 'confluence_move_page', { page: '1000010', parent_id: '1000001' });
    expect(res.value).toMatchObject({ id: '1000010', parent_id: '1000001', version: 2 });
    expect(fake.confluenceContent.detail('1000010')!.parentId).toBe('1000001');
    expect((await call('tool', 'confluence_move_page', { page: '1000010', parent_id: '1000004' })).value).toMatchObject({ parent_id: '1000004', version: 3 });
    expect((await call('mcp', 'confluence_move_page', { page: '1000010', parent_id: '1000001' })).value).toMatchObject({ parent_id: '1000001', version: 4 });
    expect(fake.confluenceContent.detail('1000010')!.parentId).toBe('1000001');
    expect(expectError(await api.post('/connectors/confluence/pages/1000010/move', { parent_id: '1000002' }), 400, 'VALIDATION').message).toMatch(/another space/);
    expect(expectError(await api.post('/connectors/confluence/pages/1000001/move', { parent_id: '1000007' }), 400, 'VALIDATION').message).toMatch(/own descendant/);
    expectError(await api.post('/connectors/confluence/pages/1000001/move', { parent_id: '1000001' }), 400, 'VALIDATION');
  });

  it('deletes a page to the trash: 204 over REST, then it is gone', async () => {
    const res = await api.delete('/connectors/confluence/pages/1000028');
    expect(res.status, res.text).toBe(204);
    expect(fake.confluenceContent.detail('1000028')!.status).toBe('trashed');
    expect(sent().filter((r) => r.method === 'DELETE').map((r) => [r.path, r.query])).toEqual([['/wiki/api/v2/pages/1000028', '']]);
    expectError(await api.get('/connectors/confluence/pages/1000028'), 404, 'NOT_FOUND');
    expect((await call('mcp', 'confluence_delete_page', { page: '1000029' })).value).toEqual({ deleted: '1000029' });
    expect((await call('tool', 'confluence_delete_page', { page: '1000029' })).value).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('comments in Markdown, replies, and lists them in Markdown', async () => {
    const added = await call('rest', 'confluence_add_comment', { page: '1000002', body: 'Looks **good**' });
    expect(added.status).toBe(201);
    expect(added.value).toMatchObject({ page_id: '1000002', parent_comment_id: null, body: 'Looks **good**\n' });
    expect(sent().find((r) => r.method === 'POST')?.body).toEqual({ pageId: '1000002', body: { representation: 'storage', value: '<p>Looks <strong>good</strong></p>' } });
    const reply = await call('tool', 'confluence_reply_to_comment', { comment: added.value.id, body: 'Thanks' });
    expect(reply.value).toMatchObject({ parent_comment_id: added.value.id, page_id: '1000002', body: 'Thanks\n' });
    await call('mcp', 'confluence_add_comment', { page: '1000002', body: 'Second' });
    const listed = await expectSameEverywhere(svc.url, 'acme', 'confluence_list_comments', { page: '1000002', limit: 1 });
    expect(listed.items.map((c: { body: string }) => c.body)).toEqual(['Looks **good**\n']);
    const page2 = await api.get(`/connectors/confluence/pages/1000002/comments${qs({ limit: 1, cursor: listed.next_cursor })}`);
    expect(page2.body.items.map((c: { body: string }) => c.body)).toEqual(['Second\n']);
    expectError(await api.post('/connectors/confluence/comments/424242/replies', { body: 'x' }), 404, 'NOT_FOUND');
    expect((await call('tool', 'confluence_add_comment', { page: '1000002', body: 'Third' })).value).toMatchObject({ page_id: '1000002', parent_comment_id: null, body: 'Third\n' });
    const rest = await call('rest', 'confluence_reply_to_comment', { comment: added.value.id, body: 'And again' });
    expect(rest.status).toBe(201);
    expect(rest.value).toMatchObject({ parent_comment_id: added.value.id, body: 'And again\n' });
    expect((await call('mcp', 'confluence_reply_to_comment', { comment: added.value.id, body: 'Once more' })).value).toMatchObject({ parent_comment_id: added.value.id, body: 'Once more\n' });
  });

  it('lists, adds (v1) and removes (v1) labels', async () => {
    expect((await expectSameEverywhere(svc.url, 'acme', 'confluence_list_labels', { page: '1000001' })).items).toEqual([{ id: '7001', name: 'onboarding', prefix: 'global' }]);
    const added = await call('tool', 'confluence_add_labels', { page: '1000005', labels: ['Runbook', 'ops'] });
    expect(added.value).toEqual({ page_id: '1000005', labels: ['runbook', 'ops'] });
    expect(sent().find((r) => r.method === 'POST')).toMatchObject({ path: '/wiki/rest/api/content/1000005/label', body: [{ prefix: 'global', name: 'Runbook' }, { prefix: 'global', name: 'ops' }] });
    const removed = await api.delete('/connectors/confluence/pages/1000005/labels/ops');
    expect(removed.status, removed.text).toBe(204);
    expect(fake.confluenceContent.detail('1000005')!.labels.map((l) => l.name)).toEqual(['runbook']);
    expect((await call('mcp', 'confluence_remove_label', { page: '1000005', label: 'ops' })).value).toMatchObject({ code: 'NOT_FOUND', message: 'Page 1000005 has no label ops.' });
    // The other ways: add over MCP and REST, remove as a tool.
    expect((await call('mcp', 'confluence_add_labels', { page: '1000005', labels: ['ops'] })).value).toEqual({ page_id: '1000005', labels: ['runbook', 'ops'] });
    expect((await call('rest', 'confluence_add_labels', { page: '1000005', labels: ['later'] })).value).toEqual({ page_id: '1000005', labels: ['runbook', 'ops', 'later'] });
    expect((await call('tool', 'confluence_remove_label', { page: '1000005', label: 'later' })).value).toEqual({ page_id: '1000005', removed: 'later' });
    expect(fake.confluenceContent.detail('1000005')!.labels.map((l) => l.name)).toEqual(['runbook', 'ops']);
    expectError(await api.post('/connectors/confluence/pages/1000005/labels', { labels: ['two words'] }), 400, 'VALIDATION');
  });

  it('reads a space by key with its description in Markdown', async () => {
    const space = await expectSameEverywhere(svc.url, 'acme', 'confluence_get_space', { space_key: 'ENG' });
    expect(space).toEqual({ id: '98305', key: 'ENG', name: 'Engineering', type: 'global', homepage_id: '98310', description: 'How we **build** and run things.\n', url: 'https://acme.atlassian.net/wiki/spaces/ENG' });
    expectError(await api.get('/connectors/confluence/spaces/NOPE'), 404, 'NOT_FOUND');
  });

  it('search takes a type and a space, quoted into the CQL, with q or with the caller’s CQL', async () => {
    await api.get(`/connectors/confluence/search${qs({ q: 'guide', space: 'ENG', type: 'page' })}`);
    await api.get(`/connectors/confluence/search${qs({ cql: 'title ~ "guide" ORDER BY created', space: 'E"NG', type: 'blogpost' })}`);
    await api.get(`/connectors/confluence/search${qs({ q: 'guide', type: 'comment' })}`);
    await api.get(`/connectors/confluence/search${qs({ q: 'guide', space: 'OPS', type: 'attachment' })}`);
    expect(apiRequests(fake, mark).map((r) => r.query.get('cql'))).toEqual([
      'text ~ "guide" AND space = "ENG" AND type = "page"',
      'space = "E\\"NG" AND (type = "blogpost" AND (title ~ "guide")) ORDER BY created',
      'text ~ "guide" AND type = "comment"',
      'text ~ "guide" AND space = "OPS" AND type = "attachment"',
    ]);
    expectError(await api.get(`/connectors/confluence/search${qs({ q: 'x', type: 'folder' })}`), 400, 'VALIDATION');
  });
});

describe('CONFLUENCE_SPACES_FILTER=ENG', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { CONFLUENCE_SPACES_FILTER: 'ENG' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });

  it('answers pages of other spaces as if they did not exist, for reads and writes, and changes nothing there', async () => {
    // 1000002 is in OPS.
    const missing = { status: 'error', code: 'NOT_FOUND', message: 'Confluence has no page 1000002 that this connection may see.' };
    for (const [name, input] of [
      ['confluence_get_page', { page: '1000002' }],
      ['confluence_update_page', { page: '1000002', title: 'x' }],
      ['confluence_append_to_page', { page: '1000002', markdown: 'x' }],
      ['confluence_delete_page', { page: '1000002' }],
      ['confluence_list_children', { page: '1000002' }],
      ['confluence_list_comments', { page: '1000002' }],
      ['confluence_add_labels', { page: '1000002', labels: ['x'] }],
      ['confluence_list_attachments', { page: '1000002' }],
      ['confluence_list_descendants', { page: '1000002' }],
      ['confluence_list_ancestors', { page: '1000002' }],
      ['confluence_add_comment', { page: '1000002', body: 'x' }],
      ['confluence_list_labels', { page: '1000002' }],
      ['confluence_remove_label', { page: '1000002', label: 'x' }],
      ['confluence_add_attachment', { page: '1000002', filename: 'a.txt', content_base64: 'aGk=' }],
    ] as const) {
      const res = await callOneWay(svc.url, 'acme', 'tool', name, input);
      expect(res.value, name).toEqual(missing);
    }
    // An attachment of such a page is as missing as the page (att9001 is on 1000001, in ENG: only the page's space is checked first).
    expect((await callOneWay(svc.url, 'acme', 'tool', 'confluence_get_attachment', { page: '1000002', attachment: 'att9001' })).value).toEqual({
      status: 'error',
      code: 'NOT_FOUND',
      message: 'Confluence page 1000002 has no attachment att9001 that this connection may see.',
    });
    expect(fake.requests.filter((r) => r.path.includes('/attachments/att9001'))).toEqual([]);
    expect(fake.requests.filter((r) => r.method !== 'GET' && r.path.includes('/wiki/'))).toEqual([]);
    expectError(await api.get('/connectors/confluence/spaces/OPS'), 404, 'NOT_FOUND');
    expectError(await api.get(`/connectors/confluence/pages${qs({ space_key: 'OPS', title: 'Incident runbook 2' })}`), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/confluence/pages/1000001/move', { parent_id: '1000002' }), 404, 'NOT_FOUND');
    // Pages of ENG work as before.
    expect((await api.get('/connectors/confluence/pages/1000001')).body).toMatchObject({ id: '1000001', space: { key: 'ENG' } });
  });

  it('replies only under a comment whose page is in the filter, following replies up to it, and refuses a comment it cannot place', async () => {
    const content = fake.confluenceContent;
    const comment = (id: string, pageId: string, parentCommentId: string | null, blogPostId?: string) => ({
      id,
      pageId,
      parentCommentId,
      authorId: '5b10ac8d82e05b22cc7d4ef5',
      createdAt: '2026-11-02T09:00:00.000Z',
      body: '<p>First</p>',
      ...(blogPostId ? { blogPostId } : {}),
    });
    content.detail('1000001')!.comments.push(comment('7100', '1000001', null), comment('7101', '1000001', '7100'));
    content.detail('1000002')!.comments.push(comment('7200', '1000002', null), comment('7201', '1000002', '7200'));
    // A comment on a blog post: the fake answers blogPostId, no pageId.
    content.detail('1000001')!.comments.push(comment('7300', '1000001', null, '2000001'));
    // Replies answered without their page: it is found only through the parent comment.
    content.repliesWithoutPageId = true;
    try {
      const mark = fake.requests.length;
      for (const id of ['7200', '7201', '7300']) {
        const res = await callOneWay(svc.url, 'acme', 'tool', 'confluence_reply_to_comment', { comment: id, body: 'x' });
        expect(res.value, id).toEqual({ status: 'error', code: 'NOT_FOUND', message: `Confluence has no footer comment ${id} that this connection may see.` });
      }
      expect(apiRequests(fake, mark).filter((r) => r.method === 'POST')).toEqual([]);
      // In ENG: a reply to a reply (answered without its page) goes through, over REST and MCP.
      const rest = await callOneWay(svc.url, 'acme', 'rest', 'confluence_reply_to_comment', { comment: '7101', body: 'Thanks' });
      expect(rest.status).toBe(201);
      expect(rest.value).toMatchObject({ parent_comment_id: '7101', body: 'Thanks\n' });
      const mcp = await callOneWay(svc.url, 'acme', 'mcp', 'confluence_reply_to_comment', { comment: '7100', body: 'Same' });
      expect(mcp.value).toMatchObject({ parent_comment_id: '7100', body: 'Same\n' });
      expect(apiRequests(fake, mark).filter((r) => r.method === 'POST').map((r) => (r.body as { parentCommentId?: string }).parentCommentId)).toEqual(['7101', '7100']);
    } finally {
      content.repliesWithoutPageId = false;
    }
  });

  it('search gets the filter added to any CQL, and the space list only the filter’s spaces', async () => {
    const mark = fake.requests.length;
    const res = await api.get(`/connectors/confluence/search${qs({ cql: 'space = "OPS" OR type = page' })}`);
    expect(res.status, res.text).toBe(200);
    const cql = apiRequests(fake, mark).find((r) => r.path.endsWith('/wiki/rest/api/search'))?.query.get('cql');
    expect(cql).toBe('space in ("ENG") AND (space = "OPS" OR type = page)');
    expectError(await api.get(`/connectors/confluence/search${qs({ cql: 'title ~ "x") OR (space = OPS' })}`), 400, 'VALIDATION');
    const spaces = await api.get('/connectors/confluence/spaces');
    expect(spaces.body.items.map((s: { key: string }) => s.key)).toEqual(['ENG']);
    expectError(await api.post('/connectors/confluence/create', { space_key: 'OPS', title: 'x', body: 'y' }), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/confluence/create', { space_id: '98306', title: 'x', body: 'y' }), 404, 'NOT_FOUND');
    expect(fake.confluence.createdPages).toEqual([]);
  });
});
