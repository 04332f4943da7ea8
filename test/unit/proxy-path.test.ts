/**
 * The proxy's path rule (src/domain/proxy.ts) under fast-check: whatever path it accepts
 * stays below an API prefix of the tenant's site however it is resolved (WHATWG URL, as
 * undici does) or decoded (once, as Atlassian's servers do), and names no other host.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProxyFlavour, checkProxyPath, isProxiedResponseHeader, proxyPrefixes } from '../../src/domain/proxy.js';

const BASE = 'https://api.atlassian.com/ex/jira/11111111-1111-4111-8111-111111111111';

const piece = fc.constantFrom('..', '.', '%2e', '%2E', '%2f', '%5c', '%25', '%252e', '\\', '@', '/', '//', 'http:', '%00', ' ', 'issue', 'OPS-1', 'a%20b', '%zz', '%', '?', '#', ':', ';', '..;', '.;', '%3b', '%3B', '~', 'é');
const paths = fc
  .tuple(fc.constantFrom(...proxyPrefixes('jira'), '/', '/rest/', '/oauth/'), fc.array(piece, { maxLength: 8 }))
  .map(([prefix, rest]) => `${prefix}${rest.join('')}`);

describe('checkProxyPath', () => {
  it('accepts only paths that stay below an API prefix of the site, resolved or decoded', () => {
    let accepted = 0;
    fc.assert(
      fc.property(paths, (path) => {
        if (checkProxyPath('jira', path)._tag === 'Left') return;
        accepted += 1;
        const url = new URL(`${BASE}${path}`);
        expect(url.origin).toBe('https://api.atlassian.com');
        expect(proxyPrefixes('jira').some((p) => url.pathname.startsWith(`/ex/jira/11111111-1111-4111-8111-111111111111${p}`))).toBe(true);
        let decoded = path;
        try {
          decoded = decodeURIComponent(path);
        } catch {
          /* left encoded */
        }
        expect(decoded.split(/[/\\]/)).not.toContain('..');
        // Tomcat (Data Center) drops each segment's path parameters (";...") before resolving
        // dot segments, so "..;" and "..;x" are ".." there.
        expect(decoded.split(/[/\\]/).map((segment) => segment.split(';')[0])).not.toContain('..');
        expect(decoded.split(/[/\\]/).map((segment) => segment.split(';')[0])).not.toContain('.');
        expect(decoded).not.toMatch(/[\\@]|\/\//);
      }),
      { seed: 12, numRuns: 3000 },
    );
    // The property saw accepted paths, not only refusals.
    expect(accepted).toBeGreaterThan(50);
  });

  it('keeps each product and flavour to its own prefixes', () => {
    expect(checkProxyPath('confluence', '/rest/api/3/myself')._tag).toBe('Left');
    expect(checkProxyPath('jira', '/wiki/api/v2/pages')._tag).toBe('Left');
    expect(checkProxyPath('confluence', '/wiki/rest/api/content/1/label')._tag).toBe('Right');
    expect(checkProxyFlavour('jira', 'cloud', '/rest/api/2/myself')._tag).toBe('Left');
    expect(checkProxyFlavour('jira', 'data_center', '/rest/api/3/myself')._tag).toBe('Left');
    expect(checkProxyFlavour('jira', 'data_center', '/rest/agile/1.0/board')._tag).toBe('Right');
  });

  it('passes back only the safe response headers', () => {
    for (const h of ['Content-Type', 'content-length', 'Retry-After', 'X-RateLimit-Remaining', 'x-ratelimit-nearlimit', 'ETag', 'Location']) expect(isProxiedResponseHeader(h), h).toBe(true);
    for (const h of ['Set-Cookie', 'Authorization', 'WWW-Authenticate', 'Connection', 'Transfer-Encoding', 'Server', 'X-Internal', 'Strict-Transport-Security']) expect(isProxiedResponseHeader(h), h).toBe(false);
  });
});
