/**
 * Which addresses a webhook may be sent to: the rules of a caller's Atlassian base URL
 * (globally routable unicast only, src/domain/public-address.ts), plus loopback when
 * WEBHOOK_ALLOW_HTTP_LOOPBACK=true (development and tests). Checked when the URL is set
 * and again, on the address actually connected to, at every delivery.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { SiteUrlGuard } from '../../application/ports/site-url-guard.js';
import { AppError } from '../../domain/errors.js';
import { isPublicAddress } from '../../domain/public-address.js';

export type AddressLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export const systemLookup: AddressLookup = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

const isLoopbackAddress = (a: string): boolean => /^127\./.test(a) || a === '::1' || /^::ffff:127\./i.test(a);

export interface WebhookAddressRules {
  /** WEBHOOK_ALLOW_HTTP_LOOPBACK: http:// and loopback addresses are allowed (never private or link-local ones). */
  readonly allowLoopback: boolean;
  readonly lookup?: AddressLookup;
}

export const addressAllowed = (rules: WebhookAddressRules, address: string): boolean =>
  isPublicAddress(address) || (rules.allowLoopback && isLoopbackAddress(address));

const bare = (hostname: string): string => hostname.replace(/^\[|\]$/g, '');

/** The URL rules without DNS: https (or http to loopback with the flag), no credentials, no fragment. */
export function checkWebhookUrlSyntax(rules: WebhookAddressRules, raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return 'url must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && rules.allowLoopback)) return 'url must use https';
  if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:[/\\]*[^/\\?#]*@/i.test(raw.trim())) return 'url must not contain credentials';
  if (url.hash !== '' || raw.includes('#')) return 'url must not contain a fragment';
  if (raw.length > 2048) return 'url must be at most 2048 characters';
  const host = bare(url.hostname);
  if (isIP(host) !== 0 && !addressAllowed(rules, host)) return 'url must not name a private, loopback or link-local address';
  return url;
}

/** Resolves the host and refuses it when any address is not allowed; answers the addresses. */
export async function resolveAllowed(rules: WebhookAddressRules, hostname: string): Promise<ReadonlyArray<{ address: string; family: number }> | string> {
  const host = bare(hostname);
  if (isIP(host) !== 0) return addressAllowed(rules, host) ? [{ address: host, family: isIP(host) }] : 'url must not name a private, loopback or link-local address';
  let addresses: ReadonlyArray<{ address: string; family: number }>;
  try {
    addresses = await (rules.lookup ?? systemLookup)(host);
  } catch {
    return 'url host could not be resolved';
  }
  if (addresses.length === 0) return 'url host could not be resolved';
  return addresses.every((a) => addressAllowed(rules, a.address)) ? addresses : 'url resolves to a private, loopback or link-local address';
}

/** The check of `PUT /connectors/webhook`: syntax, then DNS now. */
export class WebhookUrlGuard implements SiteUrlGuard {
  constructor(private readonly rules: WebhookAddressRules) {}

  check(rawUrl: string): TE.TaskEither<AppError, URL> {
    return async () => {
      if (typeof rawUrl !== 'string' || rawUrl.trim() === '') return E.left(AppError.validation('url must be an absolute https URL'));
      const url = checkWebhookUrlSyntax(this.rules, rawUrl);
      if (typeof url === 'string') return E.left(AppError.validation(url));
      const resolved = await resolveAllowed(this.rules, url.hostname);
      if (typeof resolved === 'string') return E.left(AppError.validation(resolved));
      return E.right(url);
    };
  }
}
