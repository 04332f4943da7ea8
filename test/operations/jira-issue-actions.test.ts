/** Assigning, transitioning and deleting Jira issues against the fake Atlassian: REST, tools/invoke and MCP, Cloud and Data Center. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, loopbackHttp, qs, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');
const issue = (fake: FakeAtlassian, key: string) => fake.jira.issues.find((i) => i.key === key);

describe('Jira issue actions (OAuth)', () => {
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
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query.toString(), body: r.body }));
  const call = (way: 'rest' | 'tool' | 'mcp', name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  describe('jira_list_transitions', () => {
    it('answers the transitions with target status, category and screen fields, the same three ways', async () => {
      const listed = await expectSameEverywhere(svc.url, 'acme', 'jira_list_transitions', { issue: 'OPS-1' });
      expect(listed.items.map((t: { id: string; name: string }) => `${t.id} ${t.name}`)).toEqual(['21 Done', '31 Stop progress', '51 Close']);
      const done = listed.items[0];
      expect(done).toMatchObject({ to_status: 'Done', to_category: 'done', has_screen: true });
      expect(done.fields).toEqual([
        {
          field_id: 'resolution',
          name: 'Resolution',
          required: true,
          has_default_value: false,
          schema: { type: 'resolution', items: null, system: 'resolution', custom: null },
          operations: ['set'],
          allowed_values: [
            { id: '10000', name: 'Done' },
            { id: '10001', name: "Won't Do" },
          ],
        },
      ]);
      expect(sent().map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual(Array(3).fill('GET /rest/api/3/issue/OPS-1/transitions?expand=transitions.fields'));
    });

    it("answers Jira's 404 for an unknown issue as NOT_FOUND, and refuses a malformed key before calling", async () => {
      expectError(await api.get('/connectors/jira/issues/OPS-999/transitions'), 404, 'NOT_FOUND');
      mark = fake.requests.length;
      expectError(await api.get(`/connectors/jira/issues/${encodeURIComponent('OPS-1/../x')}/transitions`), 400, 'VALIDATION');
      expectError(await api.get('/connectors/jira/issues/ops%201/transitions'), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });
  });

  describe('jira_transition_issue', () => {
    it('transitions by name (any case) over REST, by id with a Markdown comment as a tool, with screen fields over MCP', async () => {
      const rest = await call('rest', 'jira_transition_issue', { issue: 'OPS-3', transition: 'STOP progress' });
      expect(rest).toMatchObject({ ok: true, status: 200, value: { issue: 'OPS-3', transition_id: '31', transition_name: 'Stop progress', status: 'To Do' } });
      expect(issue(fake, 'OPS-3')?.status).toBe('To Do');
      const restSent = sent();
      expect(restSent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/issue/OPS-3/transitions', 'POST /rest/api/3/issue/OPS-3/transitions']);
      expect(restSent[1]?.body).toEqual({ transition: { id: '31' } });

      mark = fake.requests.length;
      const tool = await call('tool', 'jira_transition_issue', { issue: 'OPS-3', transition: '11', comment: 'Picked up **again**.' });
      expect(tool.value).toEqual({ issue: 'OPS-3', transition_id: '11', transition_name: 'Start progress', status: 'In Progress' });
      const posted = sent()[1]?.body as { update: { comment: Array<{ add: { body: { type: string } } }> } };
      expect(posted.update.comment[0]?.add.body).toMatchObject({ type: 'doc', version: 1 });
      expect(JSON.stringify(posted)).toContain('"marks":[{"type":"strong"}]');
      expect(fake.jiraWork.comments.at(-1)?.issue).toBe('OPS-3');

      mark = fake.requests.length;
      const mcp = await call('mcp', 'jira_transition_issue', { issue: 'OPS-4', transition: 'done', fields: { resolution: { name: 'Done' } } });
      expect(mcp).toMatchObject({ ok: true, value: { transition_id: '21', status: 'Done' } });
      expect(sent()[1]?.body).toEqual({ transition: { id: '21' }, fields: { resolution: { name: 'Done' } } });
      expect(issue(fake, 'OPS-4')?.status).toBe('Done');
    });

    it('refuses an unknown transition listing the choices, and an ambiguous name listing the ids, without transitioning', async () => {
      const unknown = expectError(await api.post('/connectors/jira/issues/OPS-7/transitions', { transition: 'Ship it' }), 400, 'VALIDATION');
      expect(unknown.message).toContain('Done (id 21); Stop progress (id 31); Close (id 51)');
      const ambiguous = expectError(await api.post('/connectors/jira/issues/ACME-1/transitions', { transition: 'close' }), 400, 'VALIDATION');
      expect(ambiguous.message).toContain('Close (id 61) to Done; Close (id 51) to Done');
      expect(sent().map((r) => r.method)).toEqual(['GET', 'GET']);
      expect(issue(fake, 'OPS-7')?.status).toBe('In Progress');
    });

    it("passes on Jira's field errors for a screen field left out (400 with details)", async () => {
      const refused = expectError(await api.post('/connectors/jira/issues/OPS-10/transitions', { transition: '21' }), 400, 'VALIDATION');
      expect(refused.details).toEqual({ resolution: 'Resolution is required.' });
      expect(sent().map((r) => r.method)).toEqual(['GET', 'POST']);
    });

    it('refuses bad input before calling: no transition, a malformed issue, an unknown field, fields that are not an object', async () => {
      expectError(await api.post('/connectors/jira/issues/OPS-1/transitions', {}), 400, 'VALIDATION');
      expectError(await api.post('/connectors/jira/issues/OPS-/transitions', { transition: '11' }), 400, 'VALIDATION');
      expectError(await api.post('/connectors/jira/issues/OPS-1/transitions', { transition: '11', status: 'Done' }), 400, 'VALIDATION');
      expectError(await api.post('/connectors/jira/issues/OPS-1/transitions', { transition: '11', fields: 'x' }), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });

    it('is never retried: a 503 on the POST is answered, not sent again', async () => {
      fake.inject({ kind: 'status', method: 'POST', path: '/ex/jira', status: 503, times: 1 });
      expectError(await api.post('/connectors/jira/issues/OPS-13/transitions', { transition: '31' }), 502, 'VENDOR_ERROR');
      expect(sent().map((r) => r.method)).toEqual(['GET', 'POST']);
      fake.clearFaults();
    });
  });

  describe('jira_assign_issue', () => {
    const accountIdOf = async (name: string): Promise<string> => {
      const found = await api.get(`/connectors/jira/users${qs({ query: name })}`);
      return found.body.items[0].account_id as string;
    };

    it('assigns by account_id over REST, by query as a tool, and unassigns with null over MCP', async () => {
      const noah = await accountIdOf('Noah');
      mark = fake.requests.length;
      const rest = await call('rest', 'jira_assign_issue', { issue: 'OPS-5', account_id: noah });
      expect(rest).toEqual({ ok: true, status: 200, value: { issue: 'OPS-5', account_id: noah, display_name: null } });
      expect(sent()).toEqual([{ method: 'PUT', path: '/rest/api/3/issue/OPS-5/assignee', query: '', body: { accountId: noah } }]);
      expect(issue(fake, 'OPS-5')?.assignee).toBe('Noah Lindqvist');

      mark = fake.requests.length;
      const tool = await call('tool', 'jira_assign_issue', { issue: 'OPS-5', query: 'priya' });
      expect(tool.value).toEqual({ issue: 'OPS-5', account_id: await accountIdOf('Priya'), display_name: 'Priya Raman' });
      const toolSent = sent();
      expect(toolSent[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/user/assignable/search' });
      expect(new URLSearchParams(toolSent[0]?.query).get('issueKey')).toBe('OPS-5');
      expect(new URLSearchParams(toolSent[0]?.query).get('query')).toBe('priya');
      expect(issue(fake, 'OPS-5')?.assignee).toBe('Priya Raman');

      mark = fake.requests.length;
      const mcp = await call('mcp', 'jira_assign_issue', { issue: 'OPS-5', account_id: null });
      expect(mcp).toMatchObject({ ok: true, value: { issue: 'OPS-5', account_id: null, display_name: null } });
      expect(sent()).toEqual([{ method: 'PUT', path: '/rest/api/3/issue/OPS-5/assignee', query: '', body: { accountId: null } }]);
      expect(issue(fake, 'OPS-5')?.assignee).toBeNull();
    });

    it('refuses a query matching no one, or several (naming up to 5), without assigning', async () => {
      const none = expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { query: 'zebra' }), 400, 'VALIDATION');
      expect(none.message).toMatch(/No assignable user matches query/);
      const several = expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { query: 'a' }), 400, 'VALIDATION');
      expect(several.message).toContain('Mia Krystof (');
      expect(several.message).toContain('Ravi Okafor (');
      expect(sent().map((r) => r.method)).toEqual(['GET', 'GET']);
      fake.jira.users.push('Anna A', 'Anders A', 'Aino A');
      try {
        const many = expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { query: 'a' }), 400, 'VALIDATION');
        expect(many.message.match(/\(557058:/g)).toHaveLength(5);
      } finally {
        fake.jira.users.splice(-3);
      }
      expect(sent().every((r) => r.method === 'GET')).toBe(true);
    });

    it('refuses neither or both of account_id and query, a malformed account id, before calling', async () => {
      expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', {}), 400, 'VALIDATION');
      expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { account_id: 'abc', query: 'mia' }), 400, 'VALIDATION');
      expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { account_id: 'a b"c' }), 400, 'VALIDATION');
      expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { account_id: 7 }), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
    });

    it("answers Jira's 400 for a user who cannot be assigned, with its field message", async () => {
      const refused = expectError(await api.put('/connectors/jira/issues/OPS-8/assignee', { account_id: '557058:nobody-here' }), 400, 'VALIDATION');
      expect(refused.details?.['assignee']).toMatch(/cannot be assigned/);
    });
  });

  describe('jira_delete_issue', () => {
    it('deletes over REST (204), as a tool ({deleted}) and over MCP, with deleteSubtasks as given', async () => {
      const rest = await call('rest', 'jira_delete_issue', { issue: 'WEB-10', delete_subtasks: false });
      expect(rest).toEqual({ ok: true, status: 204, value: undefined });
      expect(sent()).toEqual([{ method: 'DELETE', path: '/rest/api/3/issue/WEB-10', query: 'deleteSubtasks=false', body: undefined }]);
      expect(issue(fake, 'WEB-10')).toBeUndefined();

      const tool = await call('tool', 'jira_delete_issue', { issue: 'WEB-11', delete_subtasks: false });
      expect(tool.value).toEqual({ deleted: 'WEB-11', subtasks_deleted: false });

      // An issue with subtasks is refused without delete_subtasks, and deleted with them when it is true.
      expectError(await api.delete(`/connectors/jira/issues/WEB-39${qs({ delete_subtasks: 'false' })}`), 400, 'VALIDATION');
      expect(issue(fake, 'WEB-39')).toBeDefined();
      mark = fake.requests.length;
      const mcp = await call('mcp', 'jira_delete_issue', { issue: 'WEB-39', delete_subtasks: true });
      expect(mcp).toMatchObject({ ok: true, value: { deleted: 'WEB-39', subtasks_deleted: true } });
      expect(sent()[0]?.query).toBe('deleteSubtasks=true');
      expect([issue(fake, 'WEB-39'), issue(fake, 'WEB-40')]).toEqual([undefined, undefined]);
    });

    it('needs delete_subtasks said either way, refused before calling; an unknown issue is NOT_FOUND', async () => {
      expectError(await api.delete('/connectors/jira/issues/WEB-12'), 400, 'VALIDATION');
      expectError(await api.delete(`/connectors/jira/issues/WEB-12${qs({ delete_subtasks: 'maybe' })}`), 400, 'VALIDATION');
      expect(sent()).toEqual([]);
      expectError(await api.delete(`/connectors/jira/issues/WEB-999${qs({ delete_subtasks: 'false' })}`), 404, 'NOT_FOUND');
    });
  });
});

describe('Jira issue actions on Data Center (PAT) and under JIRA_PROJECTS_FILTER', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: { ENABLE_JIRA_PAT: 'true', JIRA_PROJECTS_FILTER: 'OPS' },
      overrides: { atlassianHttp: loopbackHttp() },
    });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
    api = client(svc.url, 'dc');
  });
  afterAll(async () => {
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, query: r.query.toString(), body: r.body }));

  it('lists and makes transitions on /rest/api/2, the comment in wiki markup', async () => {
    const listed = await api.get('/connectors/jira/issues/OPS-1/transitions');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.map((t: { name: string }) => t.name)).toEqual(['Done', 'Stop progress', 'Close']);
    const done = await api.post('/connectors/jira/issues/OPS-1/transitions', { transition: 'Stop progress', comment: 'Back to **the queue**' });
    expect(done.status, done.text).toBe(200);
    const posted = sent().at(-1)!;
    expect(posted.path).toBe('/rest/api/2/issue/OPS-1/transitions');
    expect(posted.body).toEqual({ transition: { id: '31' }, update: { comment: [{ add: { body: 'Back to *the queue*' } }] } });
  });

  it('assigns by user key: looks the name up, then assigns by name', async () => {
    const found = await api.get(`/connectors/jira/users${qs({ query: 'noah' })}`);
    const key = found.body.items[0].account_id as string;
    expect(key).toMatch(/^JIRAUSER/);
    mark = fake.requests.length;
    const res = await api.put('/connectors/jira/issues/OPS-2/assignee', { account_id: key });
    expect(res.status, res.text).toBe(200);
    expect(sent().map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([`GET /rest/api/2/user?key=${key}`, 'PUT /rest/api/2/issue/OPS-2/assignee?']);
    expect(sent()[1]?.body).toEqual({ name: 'noah.lindqvist' });
    expect(fake.jira.issues.find((i) => i.key === 'OPS-2')?.assignee).toBe('Noah Lindqvist');
    expectError(await api.put('/connectors/jira/issues/OPS-2/assignee', { account_id: 'JIRAUSER1' }), 400, 'VALIDATION');
    const none = await api.put('/connectors/jira/issues/OPS-2/assignee', { account_id: null });
    expect(none.status, none.text).toBe(200);
    expect(sent().at(-1)?.body).toEqual({ name: null });
  });

  it('deletes on /rest/api/2', async () => {
    expect((await api.delete(`/connectors/jira/issues/OPS-30${qs({ delete_subtasks: 'false' })}`)).status).toBe(204);
    expect(sent()).toEqual([{ method: 'DELETE', path: '/rest/api/2/issue/OPS-30', query: 'deleteSubtasks=false', body: undefined }]);
  });

  it('answers an issue of another project as NOT_FOUND, sending nothing; a numeric id is looked up first', async () => {
    expectError(await api.get('/connectors/jira/issues/WEB-1/transitions'), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issues/WEB-1/transitions', { transition: '41' }), 404, 'NOT_FOUND');
    expectError(await api.put('/connectors/jira/issues/WEB-1/assignee', { account_id: null }), 404, 'NOT_FOUND');
    expectError(await api.delete(`/connectors/jira/issues/WEB-2${qs({ delete_subtasks: 'true' })}`), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
    const web = fake.jira.issues.find((i) => i.projectKey === 'WEB')!;
    expectError(await api.delete(`/connectors/jira/issues/${web.id}${qs({ delete_subtasks: 'true' })}`), 404, 'NOT_FOUND');
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /rest/api/2/issue/${web.id}`]);
    expect(fake.jira.issues.some((i) => i.id === web.id)).toBe(true);
  });
});
