import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { DnsSiteUrlGuard } from '../../../src/adapters/net/dns-site-url-guard.js';
import { isPublicAddress } from '../../../src/domain/public-address.js';
import type { AppError } from '../../../src/domain/errors.js';

const PUBLIC_V4 = '104.192.141.1';
type Answer = Array<{ address: string; family: number }>;

const lookupReturning =
  (answer: Answer) =>
  async (_host: string): Promise<Answer> =>
    answer;

const makeGuard = (answer: Answer = [{ address: PUBLIC_V4, family: 4 }], allowedHosts = ['jira.example.com']) => {
  const looked: string[] = [];
  const guard = new DnsSiteUrlGuard({
    allowedHosts,
    lookup: async (host) => {
      looked.push(host);
      return answer;
    },
  });
  return { guard, looked };
};

const refusal = async (guard: DnsSiteUrlGuard, url: string): Promise<AppError> => {
  const r = await guard.check(url)();
  if (E.isRight(r)) throw new Error(`expected ${url} to be refused, got ${r.right.href}`);
  return r.left;
};

describe('DnsSiteUrlGuard', () => {
  it('accepts an Atlassian Cloud site and returns the normalised origin', async () => {
    const { guard, looked } = makeGuard();
    const r = await guard.check('https://ACME.atlassian.net/')();
    expect(E.isRight(r) && r.right.href).toBe('https://acme.atlassian.net/');
    expect(looked).toEqual(['acme.atlassian.net']);
  });

  it('accepts a permitted host and keeps its path prefix without the trailing slash', async () => {
    const { guard } = makeGuard([{ address: '2606:4700::1', family: 6 }]);
    const r = await guard.check('https://jira.example.com:8443/jira/')();
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) {
      expect(r.right.origin).toBe('https://jira.example.com:8443');
      expect(r.right.pathname).toBe('/jira');
    }
    const plain = await guard.check('https://jira.example.com.')();
    expect(E.isRight(plain) && plain.right.href).toBe('https://jira.example.com/');
  });

  it('supports wildcard entries for one or more subdomain labels, but not the bare suffix', async () => {
    const { guard } = makeGuard(undefined, ['*.corp.example']);
    expect(E.isRight(await guard.check('https://jira.corp.example')())).toBe(true);
    expect(E.isRight(await guard.check('https://a.b.corp.example')())).toBe(true);
    expect((await refusal(guard, 'https://corp.example')).code).toBe('VALIDATION');
    expect((await refusal(guard, 'https://evilcorp.example')).code).toBe('VALIDATION');
    expect((await refusal(guard, 'https://jira.example.com')).code).toBe('VALIDATION');
  });

  it.each([
    ['http://acme.atlassian.net', /https/],
    ['ftp://acme.atlassian.net', /https/],
    ['javascript:alert(1)', /https/],
    ['not a url', /absolute https URL/],
    ['', /absolute https URL/],
    ['https://user:pw@acme.atlassian.net', /credentials/],
    ['https://@acme.atlassian.net', /credentials/],
    ['https://127.0.0.1', /IP address/],
    ['https://[::1]', /IP address/],
    ['https://2130706433', /IP address/],
    ['https://0x7f.1', /IP address/],
    ['https://0300.0250.0.1', /IP address/],
    ['https://evil-atlassian.net', /not an Atlassian Cloud site/],
    ['https://acme.atlassian.net.evil.com', /not an Atlassian Cloud site/],
    ['https://atlassian.net', /not an Atlassian Cloud site/],
    ['https://a.b.atlassian.net', /not an Atlassian Cloud site/],
    ['https://jira.example.com.evil.com', /not an Atlassian Cloud site/],
    ['https://acme.atlassian.net?x=1', /query or fragment/],
    ['https://acme.atlassian.net/#frag', /query or fragment/],
    ['https://acme.atlassian.net:8080', /default https port/],
  ])('refuses %j before any DNS lookup', async (url, message) => {
    const { guard, looked } = makeGuard();
    const err = await refusal(guard, url);
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(message);
    expect(looked).toEqual([]);
  });

  it('never echoes credentials in the refusal', async () => {
    const { guard } = makeGuard();
    const err = await refusal(guard, 'http://admin:hunter2@acme.atlassian.net');
    expect(JSON.stringify(err)).not.toContain('hunter2');
    const err2 = await refusal(guard, 'https://admin:hunter2@acme.atlassian.net');
    expect(JSON.stringify(err2)).not.toContain('hunter2');
  });

  it.each([
    ['127.0.0.1', 4],
    ['10.0.0.5', 4],
    ['169.254.169.254', 4],
    ['::ffff:127.0.0.1', 6],
    ['fd00::1', 6],
  ])('refuses a permitted host that resolves to %s', async (address, family) => {
    const guard = new DnsSiteUrlGuard({ allowedHosts: ['jira.example.com'], lookup: lookupReturning([{ address, family }]) });
    const err = await refusal(guard, 'https://jira.example.com');
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toBe('base_url resolves to a non-public address');
  });

  it('refuses when any one of several resolved addresses is non-public', async () => {
    const { guard } = makeGuard([
      { address: PUBLIC_V4, family: 4 },
      { address: '192.168.1.10', family: 4 },
    ]);
    expect((await refusal(guard, 'https://acme.atlassian.net')).message).toBe('base_url resolves to a non-public address');
  });

  it('refuses when the lookup fails or returns nothing, without throwing', async () => {
    const failing = new DnsSiteUrlGuard({
      allowedHosts: [],
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    });
    expect((await refusal(failing, 'https://acme.atlassian.net')).message).toBe('base_url host could not be resolved');
    const empty = new DnsSiteUrlGuard({ allowedHosts: [], lookup: lookupReturning([]) });
    expect((await refusal(empty, 'https://acme.atlassian.net')).message).toBe('base_url host could not be resolved');
  });
});

describe('isPublicAddress', () => {
  it.each([
    '104.192.141.1',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1',
    '2a00:1450:4001:81c::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('treats %s as public', (a) => {
    expect(isPublicAddress(a)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '2002:7f00:1::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '2001:db8::1',
    '100::1',
    'not-an-ip',
    '',
  ])('treats %j as non-public', (a) => {
    expect(isPublicAddress(a)).toBe(false);
  });
});
