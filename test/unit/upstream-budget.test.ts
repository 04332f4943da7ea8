/** The upstream budget's rules, driven by explicit times (milliseconds). */
import { describe, expect, it } from 'vitest';
import { siteKeyOf, UpstreamBudget } from '../../src/domain/upstream-budget.js';

const T = Date.parse('2026-12-01T10:00:00Z');

describe('UpstreamBudget', () => {
  it('lets calls go at once while nothing was said', () => {
    expect(new UpstreamBudget().admit('jira:a', true, T)).toEqual({ go: true, delayMs: 0 });
  });

  it('a 429 with Retry-After puts the site in a penalty window: refused with the time left, then free again', () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 429, retryAfterSeconds: 30, reason: 'jira-quota-tenant-based' }, T);
    expect(b.admit('jira:a', true, T + 1_000)).toEqual({ go: false, retryAfterSeconds: 29, scope: 'site' });
    // Another site, and the same site of another product, are not held back.
    expect(b.admit('jira:b', true, T + 1_000).go).toBe(true);
    expect(b.admit('confluence:a', true, T + 1_000).go).toBe(true);
    expect(b.admit('jira:a', true, T + 30_001)).toEqual({ go: true, delayMs: 0 });
  });

  it('without Retry-After the penalty lasts until X-RateLimit-Reset', () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 429, resetAt: T + 90_000 }, T);
    expect(b.admit('jira:a', true, T + 60_000)).toEqual({ go: false, retryAfterSeconds: 30, scope: 'site' });
  });

  it("a global reason holds back every site on the OAuth app's quota, and no token connection", () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 429, retryAfterSeconds: 10, reason: 'jira-quota-global-based' }, T);
    expect(b.admit('jira:b', true, T)).toEqual({ go: false, retryAfterSeconds: 10, scope: 'app' });
    expect(b.admit('https://dc.example.com', false, T).go).toBe(true);
    expect(b.snapshot(T).app.penalty_until).toBe(new Date(T + 10_000).toISOString());
  });

  it('a per-issue write limit does not hold back the site', () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 429, retryAfterSeconds: 10, reason: 'jira-per-issue-on-write' }, T);
    expect(b.admit('jira:a', true, T).go).toBe(true);
  });

  it('near the limit, calls to the site are spaced out; past the longest wait they are refused', () => {
    const b = new UpstreamBudget({
      nearLimitSpacingMs: 250,
      nearLimitHoldMs: 60_000,
      defaultPenaltyMs: 60_000,
      maxDelayMs: 1_000,
    });
    b.observe('jira:a', true, { status: 200, nearLimit: true, remaining: 3, reason: 'jira-quota-tenant-based' }, T);
    const delays = [0, 1, 2, 3, 4].map(() => b.admit('jira:a', true, T));
    expect(delays).toEqual([
      { go: true, delayMs: 0 },
      { go: true, delayMs: 250 },
      { go: true, delayMs: 500 },
      { go: true, delayMs: 750 },
      { go: true, delayMs: 1_000 },
    ]);
    expect(b.admit('jira:a', true, T)).toEqual({ go: false, retryAfterSeconds: 2, scope: 'site' });
    // The other tenants' sites are not slowed by this one.
    expect(b.admit('jira:b', true, T)).toEqual({ go: true, delayMs: 0 });
    expect(b.snapshot(T)).toMatchObject({ sites_near_limit: 1, sites_in_penalty: 0 });
  });

  it('X-RateLimit-NearLimit: false, or the hold running out, ends the slowing', () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 200, nearLimit: true }, T);
    b.admit('jira:a', true, T);
    expect(b.admit('jira:a', true, T).go && b.admit('jira:a', true, T)).toMatchObject({ delayMs: 500 });
    b.observe('jira:a', true, { status: 200, nearLimit: false }, T);
    expect(b.admit('jira:a', true, T + 1)).toEqual({ go: true, delayMs: 0 });
    b.observe('jira:a', true, { status: 200, nearLimit: true }, T);
    expect(b.admit('jira:a', true, T + 61_000)).toEqual({ go: true, delayMs: 0 });
  });

  it("the app near its limit slows every site on the app's quota", () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 200, nearLimit: true, reason: 'jira-quota-global-based' }, T);
    b.admit('jira:b', true, T);
    expect(b.admit('jira:b', true, T)).toEqual({ go: true, delayMs: 250 });
    expect(b.snapshot(T).app.near_limit).toBe(true);
  });

  it('a call sent after the penalty began that Atlassian served ends the penalty; one sent before does not', () => {
    const b = new UpstreamBudget();
    b.observe('jira:a', true, { status: 429, retryAfterSeconds: 60 }, T);
    b.observe('jira:a', true, { status: 200 }, T + 10, T - 500);
    expect(b.admit('jira:a', true, T + 20).go).toBe(false);
    b.observe('jira:a', true, { status: 200 }, T + 30, T + 20);
    expect(b.admit('jira:a', true, T + 40).go).toBe(true);
  });

  it('the snapshot counts sites and never names them', () => {
    const b = new UpstreamBudget();
    b.observe('jira:secret-cloud-id', true, { status: 429, retryAfterSeconds: 5 }, T);
    expect(b.snapshot(T).lowest_remaining).toBeNull();
    b.observe('jira:other-cloud', true, { status: 200, remaining: 40 }, T);
    b.observe('confluence:third-cloud', true, { status: 200, remaining: 7 }, T);
    const snap = b.snapshot(T);
    expect(snap).toEqual({
      app: { near_limit: false, penalty_until: null },
      sites_tracked: 3,
      sites_near_limit: 0,
      sites_in_penalty: 1,
      lowest_remaining: 7,
    });
    expect(JSON.stringify(snap)).not.toContain('secret');
  });

  it('knows whose limits a base URL counts against', () => {
    expect(siteKeyOf('https://api.atlassian.com/ex/jira/1234-abcd')).toEqual({ site: 'jira:1234-abcd', shared: true });
    expect(siteKeyOf('https://api.atlassian.com/ex/confluence/1234-abcd')).toEqual({
      site: 'confluence:1234-abcd',
      shared: true,
    });
    expect(siteKeyOf('https://acme.atlassian.net/')).toEqual({ site: 'https://acme.atlassian.net', shared: false });
  });
});

describe('pathTemplate (the upstream metrics label)', () => {
  it('keeps the API prefix and the resource names, and replaces ids, keys and values', async () => {
    const { pathTemplate } = await import('../../src/adapters/undici/atlassian-call.js');
    expect(pathTemplate('/rest/api/3/issue/ENG-12/comment/100')).toBe('/rest/api/3/issue/{key}/comment/{id}');
    expect(pathTemplate('/rest/agile/1.0/board/7/sprint?state=active')).toBe('/rest/agile/1.0/board/{id}/sprint');
    expect(pathTemplate('/wiki/api/v2/pages/123456/children')).toBe('/wiki/api/v2/pages/{id}/children');
    expect(pathTemplate('/rest/api/3/attachment/content/10001')).toBe('/rest/api/3/attachment/content/{id}');
    expect(pathTemplate('/rest/api/2/user/mia.krystof@example.com')).toBe('/rest/api/2/user/{value}');
  });
});
