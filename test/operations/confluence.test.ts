/** Confluence operations over OAuth against the fake Atlassian: answers and what reached Confluence. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, qs, type Client } from './support.js';

describe('Confluence operations (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let gateway: string;
  let wiki: string;
  let mark = 0;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
    gateway = `/ex/confluence/${fake.sites[0]!.id}`;
    wiki = `${fake.sites[0]!.url}/wiki`;
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark);

  describe('GET /connectors/confluence/spaces', () => {
    it('maps /wiki/api/v2/spaces into {items:[{id,key,name,type,url}], next_cursor}', async () => {
      const res = await api.get('/connectors/confluence/spaces');
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        items: fake.confluence.spaces.map((s) => ({ id: s.id, key: s.key, name: s.name, type: s.type, url: `${wiki}/spaces/${s.key}` })),
        next_cursor: null,
      });
      const reqs = sent();
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.method).toBe('GET');
      expect(reqs[0]?.path).toBe(`${gateway}/wiki/api/v2/spaces`);
      expect(Object.fromEntries(reqs[0]!.query)).toEqual({ limit: '25' });
    });

    it('pages with next_cursor (limit=1) over every space exactly once, forwarding Confluence cursors', async () => {
      const keys: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i += 1) {
        const res = await api.get(`/connectors/confluence/spaces${qs({ limit: 1, cursor })}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.items).toHaveLength(1);
        keys.push(res.body.items[0].key as string);
        if (res.body.next_cursor === null) break;
        cursor = res.body.next_cursor as string;
      }
      expect(keys).toEqual(fake.confluence.spaces.map((s) => s.key));
      const cursors = sent().map((r) => r.query.get('cursor'));
      expect(cursors[0]).toBeNull();
      expect(cursors.slice(1)).toHaveLength(fake.confluence.spaces.length - 1);
      expect(cursors.slice(1).every((c) => typeof c === 'string' && c !== '')).toBe(true);
    });

    it('refuses a cursor of another list with 400', async () => {
      const hits = await api.get('/connectors/confluence/search?cql=type%20%3D%20page&limit=1');
      expect(hits.status, hits.text).toBe(200);
      mark = fake.requests.length;
      expectError(await api.get(`/connectors/confluence/spaces${qs({ cursor: hits.body.next_cursor as string })}`), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });
  });

  describe('GET /connectors/confluence/search', () => {
    it('sends q as quoted CQL to /wiki/rest/api/search and strips highlight markers', async () => {
      const res = await api.get('/connectors/confluence/search?q=runbook');
      expect(res.status, res.text).toBe(200);
      const reqs = sent();
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.method).toBe('GET');
      expect(reqs[0]?.path).toBe(`${gateway}/wiki/rest/api/search`);
      expect(reqs[0]?.query.get('cql')).toBe('text ~ "runbook"');
      const matching = fake.confluence.pages.filter((p) => /runbook/i.test(p.title) || /runbook/i.test(p.excerpt));
      expect(matching.length).toBeGreaterThan(1);
      expect(res.body.items).toEqual(
        matching.map((p) => {
          const space = fake.confluence.spaces.find((s) => s.id === p.spaceId)!;
          return {
            id: p.id,
            title: p.title,
            type: 'page',
            space: space.key,
            excerpt: p.excerpt,
            url: `${wiki}/spaces/${space.key}/pages/${p.id}/${encodeURIComponent(p.title).replace(/%20/g, '+')}`,
          };
        }),
      );
      expect(res.text).not.toContain('@@@');
      expect(res.body.next_cursor).toBeNull();
    });

    it('adds the space as a quoted clause and quotes hostile text', async () => {
      const res = await api.get(`/connectors/confluence/search${qs({ q: 'guide" OR space = "ENG', space: 'OPS' })}`);
      expect(sent()[0]?.query.get('cql')).toBe('text ~ "guide\\" OR space = \\"ENG" AND space = "OPS"');
      expect(res.status).not.toBe(500);
      mark = fake.requests.length;
      const inSpace = await api.get(`/connectors/confluence/search${qs({ q: 'runbook', space: 'OPS' })}`);
      expect(inSpace.status, inSpace.text).toBe(200);
      expect(sent()[0]?.query.get('cql')).toBe('text ~ "runbook" AND space = "OPS"');
      expect((inSpace.body.items as Array<{ space: string }>).every((i) => i.space === 'OPS')).toBe(true);
    });

    it('passes cql through and pages every result exactly once', async () => {
      const cql = 'type = page';
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i += 1) {
        const res = await api.get(`/connectors/confluence/search${qs({ cql, limit: 12, cursor })}`);
        expect(res.status, res.text).toBe(200);
        ids.push(...(res.body.items as Array<{ id: string }>).map((h) => h.id));
        if (res.body.next_cursor === null) break;
        cursor = res.body.next_cursor as string;
      }
      expect(ids).toHaveLength(fake.confluence.pages.length);
      expect(new Set(ids)).toEqual(new Set(fake.confluence.pages.map((p) => p.id)));
      expect(sent().every((r) => r.query.get('cql') === cql)).toBe(true);
      expect(sent()).toHaveLength(3);
    });

    it('answers 400 for neither q nor cql, and for both, without calling Confluence', async () => {
      expectError(await api.get('/connectors/confluence/search'), 400, 'VALIDATION');
      expectError(await api.get(`/connectors/confluence/search${qs({ q: 'x', cql: 'type = page' })}`), 400, 'VALIDATION');
      expectError(await api.get('/connectors/confluence/search?q=x&cursor=%3F%3F'), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });
  });

  describe('POST /connectors/confluence/create', () => {
    const markdown = '# Plan\n\nShip **v2**, see [docs](https://example.com/d?a=1&b=2).\n\n- one\n- two\n\n```sh\necho "<hi>"\n```\n';
    const storage =
      '<h1>Plan</h1><p>Ship <strong>v2</strong>, see <a href="https://example.com/d?a=1&amp;b=2">docs</a>.</p>' +
      '<ul><li>one</li><li>two</li></ul>' +
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">sh</ac:parameter>' +
      '<ac:plain-text-body><![CDATA[echo "<hi>"]]></ac:plain-text-body></ac:structured-macro>';

    it('resolves space_key to the space id, converts Markdown to storage and answers 201 {id,title,url}', async () => {
      const res = await api.post('/connectors/confluence/create', { space_key: 'ENG', title: 'Release plan', body: markdown });
      expect(res.status, res.text).toBe(201);
      const created = fake.confluence.pages[fake.confluence.pages.length - 1]!;
      expect(res.body).toEqual({
        id: created.id,
        title: 'Release plan',
        url: `${wiki}/spaces/ENG/pages/${created.id}/Release+plan`,
      });
      const reqs = sent();
      expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${gateway}/wiki/api/v2/spaces`, `POST ${gateway}/wiki/api/v2/pages`]);
      expect(reqs[0]?.query.get('keys')).toBe('ENG');
      expect(reqs[1]?.body).toEqual({
        spaceId: '98305',
        status: 'current',
        title: 'Release plan',
        body: { representation: 'storage', value: storage },
      });
    });

    it('sends a storage body as given, with space_id and parent_id, and no space lookup', async () => {
      const value = '<p>Raw <ac:emoticon ac:name="smile" /></p>';
      const res = await api.post('/connectors/confluence/create', {
        space_id: '98306',
        title: 'Raw storage',
        body: value,
        body_format: 'storage',
        parent_id: '98311',
      });
      expect(res.status, res.text).toBe(201);
      const reqs = sent();
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.path).toBe(`${gateway}/wiki/api/v2/pages`);
      expect(reqs[0]?.body).toEqual({
        spaceId: '98306',
        status: 'current',
        title: 'Raw storage',
        parentId: '98311',
        body: { representation: 'storage', value },
      });
    });

    it('refuses neither or both of space_key/space_id with 400 and calls nobody', async () => {
      expectError(await api.post('/connectors/confluence/create', { title: 'T', body: 'b' }), 400, 'VALIDATION');
      expectError(await api.post('/connectors/confluence/create', { space_key: 'ENG', space_id: '98305', title: 'T', body: 'b' }), 400, 'VALIDATION');
      expectError(
        await api.post('/connectors/confluence/create', { space_id: '98305', title: 'T', body: '{not json', body_format: 'atlas_doc_format' }),
        400,
        'VALIDATION',
      );
      expect(sent()).toEqual([]);
    });

    it('answers 404 for an unknown space key without creating anything', async () => {
      const before = fake.confluence.createdPages.length;
      expectError(await api.post('/connectors/confluence/create', { space_key: 'NOSUCH', title: 'T', body: 'b' }), 404, 'NOT_FOUND');
      expect(sent().map((r) => r.method)).toEqual(['GET']);
      expect(fake.confluence.createdPages).toHaveLength(before);
    });

    it('answers 404 naming the key when Confluence answers the key lookup with another space, and creates nothing', async () => {
      // A Confluence that ignores the keys filter (or matches it loosely) must not send the page elsewhere.
      const other = fake.confluence.spaces[0]!;
      fake.inject({
        kind: 'status',
        path: `${gateway}/wiki/api/v2/spaces`,
        method: 'GET',
        status: 200,
        body: { results: [{ id: other.id, key: other.key, name: other.name, type: other.type, status: 'current' }], _links: {} },
      });
      const before = fake.confluence.createdPages.length;
      const body = expectError(await api.post('/connectors/confluence/create', { space_key: 'NOSUCH', title: 'T', body: 'b' }), 404, 'NOT_FOUND');
      expect(body.message).toContain('NOSUCH');
      expect(sent().map((r) => r.method)).toEqual(['GET']);
      expect(fake.confluence.createdPages).toHaveLength(before);
    });
  });
});
