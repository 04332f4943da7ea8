/**
 * Jira operations over OAuth against the fake Atlassian: what the caller gets back and
 * exactly what reached Atlassian (paths, JQL, fields, ADF).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian, type FakeIssue } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, qs, type Client } from './support.js';

const SEARCH_FIELDS = 'summary,status,issuetype,assignee,updated';

describe('Jira operations (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let gateway: string;
  let site: string;
  let mark = 0;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    const res = await connect(svc.url, fake, { tenant: 'acme' });
    expect(res.status).toBe(302);
    api = client(svc.url, 'acme');
    gateway = `/ex/jira/${fake.sites[0]!.id}`;
    site = fake.sites[0]!.url;
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

  describe('GET /connectors/jira/projects', () => {
    it('maps /rest/api/3/project/search into {items:[{id,key,name,url}], next_cursor}', async () => {
      const res = await api.get('/connectors/jira/projects?query=ops&limit=10');
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        items: [{ id: '10001', key: 'OPS', name: 'Operations', url: `${site}/browse/OPS` }],
        next_cursor: null,
      });
      const [req, ...rest] = sent();
      expect(rest).toEqual([]);
      expect(req?.method).toBe('GET');
      expect(req?.path).toBe(`${gateway}/rest/api/3/project/search`);
      expect(Object.fromEntries(req!.query)).toEqual({ startAt: '0', maxResults: '10', query: 'ops' });
    });

    it('pages with next_cursor (limit=1) over all 3 projects exactly once', async () => {
      const keys: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i += 1) {
        const res = await api.get(`/connectors/jira/projects${qs({ limit: 1, cursor })}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.items).toHaveLength(1);
        keys.push(...(res.body.items as Array<{ key: string }>).map((p) => p.key));
        if (res.body.next_cursor === null) break;
        expect(typeof res.body.next_cursor).toBe('string');
        cursor = res.body.next_cursor as string;
      }
      expect(keys).toEqual(['ACME', 'OPS', 'WEB']);
      expect(sent().map((r) => r.query.get('startAt'))).toEqual(['0', '1', '2']);
      expect(sent().every((r) => r.query.get('maxResults') === '1')).toBe(true);
    });

    it('refuses a garbage cursor with 400 and calls nobody', async () => {
      expectError(await api.get('/connectors/jira/projects?cursor=%21%21%21'), 400, 'VALIDATION');
      expectError(await api.get('/connectors/jira/projects?cursor=bm90LWpzb24'), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });
  });

  describe('GET /connectors/jira/search', () => {
    it('turns q into quoted JQL on /rest/api/3/search/jql with only the mapped fields', async () => {
      const res = await api.get('/connectors/jira/search?q=cache&limit=5');
      expect(res.status, res.text).toBe(200);
      const reqs = sent();
      expect(reqs).toHaveLength(1);
      const req = reqs[0]!;
      expect(req.method).toBe('GET');
      expect(req.path).toBe(`${gateway}/rest/api/3/search/jql`);
      expect(req.query.get('jql')).toBe('text ~ "cache" ORDER BY updated DESC');
      expect(req.query.getAll('fields')).toEqual([SEARCH_FIELDS]);
      expect(req.query.get('maxResults')).toBe('5');
      expect(req.query.has('nextPageToken')).toBe(false);
      expect(res.body.items).toHaveLength(5);
      expect(fake.requests.some((r) => /\/rest\/api\/3\/search$/.test(r.path))).toBe(false);
    });

    it('adds the project as a quoted clause', async () => {
      const res = await api.get('/connectors/jira/search?q=cache&project=OPS');
      expect(res.status, res.text).toBe(200);
      expect(sent()[0]?.query.get('jql')).toBe('text ~ "cache" AND project = "OPS" ORDER BY updated DESC');
      expect((res.body.items as Array<{ key: string }>).every((i) => i.key.startsWith('OPS-'))).toBe(true);
    });

    const hostile: Array<[string, string]> = [
      ['say "hi"', 'text ~ "say \\"hi\\"" ORDER BY updated DESC'],
      ['C:\\temp\\', 'text ~ "C:\\\\temp\\\\" ORDER BY updated DESC'],
      ['x" OR project = X', 'text ~ "x\\" OR project = X" ORDER BY updated DESC'],
      ['\\" OR project = X OR text ~ \\"', 'text ~ "\\\\\\" OR project = X OR text ~ \\\\\\"" ORDER BY updated DESC'],
      ['cache ORDER BY created', 'text ~ "cache ORDER BY created" ORDER BY updated DESC'],
      ['first\nsecond\r\nthird', 'text ~ "first second  third" ORDER BY updated DESC'],
      ['AND OR NOT EMPTY null ORDER', 'text ~ "AND OR NOT EMPTY null ORDER" ORDER BY updated DESC'],
      ['naïve 日本語 😀 ü', 'text ~ "naïve 日本語 😀 ü" ORDER BY updated DESC'],
    ];
    it.each(hostile)('sends hostile q %j as one quoted literal', async (q, jql) => {
      // The fake's toy JQL parser may still answer 400 (it scans for `project = X` inside quotes);
      // what matters is the exact JQL Atlassian received.
      await api.get(`/connectors/jira/search${qs({ q })}`);
      const reqs = sent();
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.path).toBe(`${gateway}/rest/api/3/search/jql`);
      expect(reqs[0]?.query.get('jql')).toBe(jql);
    });

    it('quotes a hostile project too', async () => {
      await api.get(`/connectors/jira/search${qs({ q: 'cache', project: 'OPS" OR project = "WEB' })}`);
      expect(sent()[0]?.query.get('jql')).toBe('text ~ "cache" AND project = "OPS\\" OR project = \\"WEB" ORDER BY updated DESC');
    });

    it('passes jql through unchanged', async () => {
      const jql = 'project = "OPS" AND status = "Done" ORDER BY key ASC';
      const res = await api.get(`/connectors/jira/search${qs({ jql, limit: 3 })}`);
      expect(res.status, res.text).toBe(200);
      expect(sent()[0]?.query.get('jql')).toBe(jql);
      expect(sent()[0]?.query.getAll('fields')).toEqual([SEARCH_FIELDS]);
    });

    it('answers 400 for neither q nor jql, and for both, without calling Jira', async () => {
      expectError(await api.get('/connectors/jira/search'), 400, 'VALIDATION');
      expectError(await api.get('/connectors/jira/search?limit=5'), 400, 'VALIDATION');
      expectError(await api.get(`/connectors/jira/search${qs({ q: 'x', jql: 'project = OPS' })}`), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });

    it('maps items to {id,key,summary,status,issue_type,assignee,updated,url}', async () => {
      const res = await api.get(`/connectors/jira/search${qs({ jql: 'project = "WEB" ORDER BY key ASC', limit: 100 })}`);
      expect(res.status, res.text).toBe(200);
      const seeded = fake.jira.issues.filter((i) => i.projectKey === 'WEB');
      expect(res.body.items).toHaveLength(seeded.length);
      const expected = (i: FakeIssue) => ({
        id: i.id,
        key: i.key,
        summary: i.summary,
        status: i.status,
        issue_type: i.issueType,
        assignee: i.assignee,
        updated: i.updated,
        url: `${site}/browse/${i.key}`,
      });
      expect(res.body.items).toEqual(seeded.map(expected));
      for (const item of res.body.items as object[]) {
        expect(Object.keys(item).sort()).toEqual(['assignee', 'id', 'issue_type', 'key', 'status', 'summary', 'updated', 'url']);
      }
      expect((res.body.items as Array<{ assignee: string | null }>).some((i) => i.assignee === null)).toBe(true);
      expect(res.body.next_cursor).toBeNull();
    });

    it('pages all 120 seeded issues exactly once via next_cursor', async () => {
      const jql = 'project in ("ACME", "OPS", "WEB") ORDER BY key ASC';
      const all = fake.jira.issues.map((i) => i.key);
      expect(all).toHaveLength(120);
      const keys: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const res = await api.get(`/connectors/jira/search${qs({ jql, limit: 50, cursor })}`);
        expect(res.status, res.text).toBe(200);
        pages += 1;
        keys.push(...(res.body.items as Array<{ key: string }>).map((i) => i.key));
        if (res.body.next_cursor === null) break;
        cursor = res.body.next_cursor as string;
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBe(3);
      expect(keys).toHaveLength(120);
      expect(new Set(keys).size).toBe(120);
      expect([...keys].sort()).toEqual([...all].sort());
      const tokens = sent().map((r) => r.query.get('nextPageToken'));
      expect(tokens[0]).toBeNull();
      expect(tokens.slice(1).every((t) => typeof t === 'string' && t !== '')).toBe(true);
      expect(sent().every((r) => r.query.get('jql') === jql)).toBe(true);
    });

    it('refuses a cursor from another list, or garbage, with 400 and calls nobody', async () => {
      const projects = await api.get('/connectors/jira/projects?limit=1');
      const foreign = projects.body.next_cursor as string;
      expect(typeof foreign).toBe('string');
      mark = fake.requests.length;
      expectError(await api.get(`/connectors/jira/search${qs({ q: 'cache', cursor: foreign })}`), 400, 'VALIDATION');
      expectError(await api.get(`/connectors/jira/search${qs({ q: 'cache', cursor: 'garbage!' })}`), 400, 'VALIDATION');
      expectError(await api.get(`/connectors/jira/search${qs({ q: 'cache', cursor: 'Z2FyYmFnZQ' })}`), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });
  });

  describe('POST /connectors/jira/create', () => {
    const markdown = [
      '# Release plan',
      '',
      'Ship **v2** today, see [the docs](https://example.com/docs).',
      '',
      '- first item',
      '- second item',
      '',
      '```ts',
      'const x = 1;',
      '```',
      '',
    ].join('\n');
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Release plan' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Ship ' },
            { type: 'text', text: 'v2', marks: [{ type: 'strong' }] },
            { type: 'text', text: ' today, see ' },
            { type: 'text', text: 'the docs', marks: [{ type: 'link', attrs: { href: 'https://example.com/docs' } }] },
            { type: 'text', text: '.' },
          ],
        },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'first item' }] }] },
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'second item' }] }] },
          ],
        },
        { type: 'codeBlock', attrs: { language: 'ts' }, content: [{ type: 'text', text: 'const x = 1;' }] },
      ],
    };

    it('creates with Markdown converted to ADF and answers 201 {id,key,url}', async () => {
      const res = await api.post('/connectors/jira/create', {
        project_key: 'OPS',
        summary: 'Release v2',
        issue_type: 'Bug',
        description: markdown,
        labels: ['release', 'v2'],
        priority: 'High',
        fields: { customfield_10030: { id: '10101' } },
      });
      expect(res.status, res.text).toBe(201);
      const created = fake.jira.issues[fake.jira.issues.length - 1]!;
      expect(created.key).toMatch(/^OPS-\d+$/);
      expect(res.body).toEqual({ id: created.id, key: created.key, url: `${site}/browse/${created.key}` });
      // The create metadata comes first (then from the cache); the create is one POST.
      const reqs = sent().filter((r) => r.method === 'POST');
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.method).toBe('POST');
      expect(reqs[0]?.path).toBe(`${gateway}/rest/api/3/issue`);
      expect(reqs[0]?.body).toEqual({
        fields: {
          project: { key: 'OPS' },
          summary: 'Release v2',
          issuetype: { name: 'Bug' },
          description: adf,
          labels: ['release', 'v2'],
          priority: { name: 'High' },
          customfield_10030: { id: '10101' },
        },
      });
    });

    it('defaults issue_type to Task and sends no description when none is given', async () => {
      const res = await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'Plain' });
      expect(res.status, res.text).toBe(201);
      expect(sent().find((r) => r.method === 'POST')?.body).toEqual({ fields: { project: { key: 'ACME' }, summary: 'Plain', issuetype: { name: 'Task' } } });
    });

    it('sends description_adf unchanged', async () => {
      const own = {
        type: 'doc',
        version: 1,
        content: [
          { type: 'panel', attrs: { panelType: 'info' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'As is', marks: [{ type: 'em' }] }] }] },
        ],
      };
      const res = await api.post('/connectors/jira/create', { project_key: 'WEB', summary: 'Own ADF', description_adf: own });
      expect(res.status, res.text).toBe(201);
      expect((sent().find((r) => r.method === 'POST')?.body as { fields: { description: unknown } }).fields.description).toEqual(own);
    });

    it.each([
      ['wrong version', { type: 'doc', version: 2, content: [] }],
      ['not a doc', { type: 'paragraph', content: [] }],
      ['empty text node', { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] }],
      ['content not an array', { type: 'doc', version: 1, content: 'x' }],
    ])('refuses an invalid description_adf (%s) with 400 and sends nothing', async (_name, bad) => {
      expectError(await api.post('/connectors/jira/create', { project_key: 'WEB', summary: 'Bad', description_adf: bad }), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });

    it("returns Atlassian's 400 field messages as 400 VALIDATION with details", async () => {
      const res = await api.post('/connectors/jira/create', { project_key: 'NOPE', summary: 'Nowhere' });
      const body = expectError(res, 400, 'VALIDATION');
      expect(body.details).toEqual({ project: 'Specify a valid project ID or key' });
      expect(body.message).toContain('project: Specify a valid project ID or key');
      // No create metadata for an unknown project: Jira judges the create itself.
      expect(sent().filter((r) => r.method === 'POST')).toHaveLength(1);
    });

    it('refuses a body without project_key or summary with 400 naming the field, sending nothing', async () => {
      const noProject = expectError(await api.post('/connectors/jira/create', { summary: 'x' }), 400, 'VALIDATION');
      expect(noProject.message).toContain('project_key');
      const noSummary = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS' }), 400, 'VALIDATION');
      expect(noSummary.message).toContain('summary');
      expect(sent()).toEqual([]);
    });
  });
});
