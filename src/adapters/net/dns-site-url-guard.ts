import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { SiteUrlGuard } from '../../application/ports/site-url-guard.js';
import { AppError } from '../../domain/errors.js';
import { isPublicAddress } from '../../domain/public-address.js';

/*
 * This guard checks the URL and what its host resolves to *now*. It cannot stop
 * DNS rebinding (a second lookup returning a private address) or a redirect to
 * another host: the HTTP adapter that sends the token must NOT follow redirects
 * and should connect to the address checked here (or re-check the address it
 * actually connects to, e.g. via a custom `lookup` on the agent).
 */

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const defaultLookup: Lookup = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

// ---------------------------------------------------------------------------
// Host rules
// ---------------------------------------------------------------------------

const ATLASSIAN_SITE_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.atlassian\.net$/;
const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

const normaliseHost = (h: string): string => {
  const lower = h.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
};

interface HostRule {
  readonly exact?: string;
  readonly suffix?: string; // ".example.com" for "*.example.com"
}

const toRule = (entry: string): HostRule => {
  const h = normaliseHost(entry);
  return h.startsWith('*.') ? { suffix: h.slice(1) } : { exact: h };
};

const matchesRule = (host: string, rule: HostRule): boolean => {
  if (rule.exact !== undefined) return host === rule.exact;
  if (rule.suffix === undefined || !host.endsWith(rule.suffix)) return false;
  const prefix = host.slice(0, -rule.suffix.length);
  return prefix !== '' && prefix.split('.').every((label) => LABEL_RE.test(label));
};

/** Userinfo in the authority, even an empty one (`https://@host`). */
const AUTHORITY_HAS_USERINFO_RE = /^[a-z][a-z0-9+.-]*:[/\\]*[^/\\?#]*@/i;

const refuse = (message: string): AppError => AppError.validation(message);

export class DnsSiteUrlGuard implements SiteUrlGuard {
  private readonly rules: readonly HostRule[];
  private readonly lookup: Lookup;

  constructor(opts: { allowedHosts: readonly string[]; lookup?: Lookup }) {
    this.rules = opts.allowedHosts.map(toRule).filter((r) => (r.exact ?? r.suffix ?? '') !== '' && r.suffix !== '.');
    this.lookup = opts.lookup ?? defaultLookup;
  }

  check(rawUrl: string): TE.TaskEither<AppError, URL> {
    return pipe(
      TE.fromEither(this.checkSyntax(rawUrl)),
      TE.chain(({ host, target }) =>
        pipe(
          TE.tryCatch(
            () => this.lookup(host),
            (cause) => AppError.validation('base_url host could not be resolved', { cause }),
          ),
          TE.chain((addresses) => {
            if (!Array.isArray(addresses) || addresses.length === 0) {
              return TE.left(refuse('base_url host could not be resolved'));
            }
            return addresses.every((a) => isPublicAddress(a.address))
              ? TE.right(target)
              : TE.left(refuse('base_url resolves to a non-public address'));
          }),
        ),
      ),
    );
  }

  private checkSyntax(rawUrl: string): E.Either<AppError, { host: string; target: URL }> {
    const left = (message: string) => E.left(refuse(message));
    if (typeof rawUrl !== 'string' || rawUrl.trim() === '') return left('base_url must be an absolute https URL');
    const raw = rawUrl.trim();
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return left('base_url must be an absolute https URL');
    }
    if (url.protocol !== 'https:') return left('base_url must use https');
    if (url.username !== '' || url.password !== '' || AUTHORITY_HAS_USERINFO_RE.test(raw)) {
      return left('base_url must not contain credentials');
    }
    if (url.hostname.startsWith('[') || isIP(url.hostname) !== 0) {
      return left('base_url must use a host name, not an IP address');
    }
    if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
      return left('base_url must not contain a query or fragment');
    }
    const host = normaliseHost(url.hostname);
    const isAtlassianSite = ATLASSIAN_SITE_RE.test(host);
    const isAllowed = this.rules.some((r) => matchesRule(host, r));
    if (!isAtlassianSite && !isAllowed) {
      return left('base_url host is not an Atlassian Cloud site (<site>.atlassian.net) or a permitted host');
    }
    if (isAtlassianSite && !isAllowed && url.port !== '') {
      return left('base_url must use the default https port for an Atlassian Cloud site');
    }
    const path = url.pathname.replace(/\/+$/, '');
    const port = url.port === '' ? '' : `:${url.port}`;
    return E.right({ host, target: new URL(`https://${host}${port}${path}`) });
  }
}
