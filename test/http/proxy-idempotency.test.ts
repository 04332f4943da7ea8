/**
 * The proxy's POST, PUT and DELETE with an Idempotency-Key, against the fake Atlassian: 20
 * concurrent identical creates make one issue; a retry replays Atlassian's status, type and
 * body without calling it; another body is a 422; Atlassian's 5xx is not stored; GET ignores it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests } from '../operations/support.js';

const CLOUD_ID = '11111111-1111-4111-8111-111111111111';

describe('the proxy with an Idempotency-Key', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let base = '';
  let n = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { retrySleep: async () => undefined } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    base = `${svc.url}/connectors/jira/proxy`;
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  const post = async (key: string, body: unknown) => {
    const res = await fetch(`${base}/rest/api/3/issue`, {
      method: 'POST',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const issue = (summary: string) => ({ fields: { project: { key: 'OPS' }, summary, issuetype: { name: 'Task' } } });

  it('20 concurrent identical creates make one issue; a retry replays the answer without calling Atlassian', async () => {
    const before = fake.jira.createdIssues.length;
    const key = `proxy-${++n}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(key, issue('Through the proxy'))));
    expect(fake.jira.createdIssues.length - before).toBe(1);
    for (const a of answers) expect([201, 409], a.text).toContain(a.status);
    const first = answers.find((a) => a.status === 201)!;
    const mark = fake.requests.length;
    const again = await post(key, issue('Through the proxy'));
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.headers.get('x-upstream-status')).toBe('201');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('another body under the key is a 422; a malformed key a 400; nothing is sent', async () => {
    const key = `proxy-${++n}`;
    expect((await post(key, issue('One'))).status).toBe(201);
    const mark = fake.requests.length;
    const other = await post(key, issue('Two'));
    expect(other.status, other.text).toBe(422);
    expect(JSON.parse(other.text)).toMatchObject({ status: 'error', code: 'VALIDATION' });
    const bad = await post('x'.repeat(256), issue('Three'));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).message).toContain('Idempotency-Key');
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it("Atlassian's 5xx is passed on and not stored: the retry runs and creates", async () => {
    const key = `proxy-${++n}`;
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/issue`, method: 'POST', status: 503, body: { errorMessages: ['Unavailable'], errors: {} } });
    const failed = await post(key, issue('After 503'));
    expect(failed.status).toBe(503);
    const before = fake.jira.createdIssues.length;
    const retried = await post(key, issue('After 503'));
    expect(retried.status, retried.text).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(fake.jira.createdIssues.length - before).toBe(1);
  });
});
