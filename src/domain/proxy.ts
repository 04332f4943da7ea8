/**
 * The Atlassian proxy's rules, pure: which paths may be reached (the product API prefixes,
 * nothing that could climb out of them or name another host), and which headers travel in
 * each direction. The proxy is for trusted server-side callers; these rules keep it to the
 * tenant's own site and keep the service's credentials out of both the request a caller
 * shapes and the answer it receives.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ConnectorId } from './connector.js';
import type { AccessContext } from './credentials.js';
import { AppError } from './errors.js';

export const PROXY_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

/** The API prefixes each product offers, and where each one exists. */
const PREFIXES: Readonly<Record<ConnectorId, readonly { readonly prefix: string; readonly flavours: readonly AccessContext['flavour'][] }[]>> = {
  jira: [
    { prefix: '/rest/api/3/', flavours: ['cloud'] },
    { prefix: '/rest/api/2/', flavours: ['data_center'] },
    { prefix: '/rest/agile/1.0/', flavours: ['cloud', 'data_center'] },
  ],
  confluence: [
    { prefix: '/wiki/api/v2/', flavours: ['cloud'] },
    { prefix: '/wiki/rest/api/', flavours: ['cloud'] },
  ],
};

/** The prefixes a connector's proxy reaches, for messages and documentation. */
export const proxyPrefixes = (connector: ConnectorId, flavour?: AccessContext['flavour']): string[] =>
  PREFIXES[connector].filter((p) => flavour === undefined || p.flavours.includes(flavour)).map((p) => p.prefix);

/** The API prefix a checked path is below (`/rest/api/3/`), for bounded span and metric names. */
export const proxyPrefixOf = (path: string): string | undefined =>
  [...proxyPrefixes('jira'), ...proxyPrefixes('confluence')].find((p) => path.startsWith(p));

const bad = (problem: string): E.Either<AppError, never> => E.left(AppError.validation(`The proxy path ${problem}.`));

/**
 * Checks a path as the caller sent it (still percent-encoded, starting with `/`), before
 * anything is looked up: it must stay below one of the connector's API prefixes and be
 * one URL path, not a way out. Refused: dot segments (`..`, `.`) plain or encoded, an
 * encoded `/`, `\` or `%` (double encoding), a backslash, `@`, an empty segment (`//`),
 * an absolute URL, any control character or space, and `;` plain or encoded: Tomcat (Jira
 * and Confluence Data Center) strips a segment's path parameters before it resolves dot
 * segments, so `..;` or `..;x` climbs out of a prefix there like `..`.
 */
export const checkProxyPath = (connector: ConnectorId, path: string): E.Either<AppError, string> => {
  if (/^\/[a-z][a-z0-9+.-]*:\/\//i.test(path) || /^\/\//.test(path)) return bad('must not be an absolute URL; give a path such as rest/api/3/myself');
  if (path.includes('\\')) return bad('must not contain a backslash');
  if (path.includes('@')) return bad('must not contain @');
  if (/[?#]/.test(path)) return bad('must not contain ? or #');
  if (/;|%3b/i.test(path)) return bad('must not contain ";" (a path parameter: "..;" climbs out of the prefix on Data Center\'s Tomcat)');
  if (/%(2e|2f|5c|25)/i.test(path)) return bad('must not contain an encoded ".", "/", "\\" or "%" (encoded traversal or double encoding)');
  if (/%(?![0-9a-f]{2})/i.test(path)) return bad('contains a broken percent-escape');
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) return bad('must not contain "." or ".." segments');
  if (/\/\//.test(path)) return bad('must not contain an empty segment (//)');
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\u0000-\u0020\u007f]/.test(path)) return bad('must not contain spaces or control characters');
  if (/%(0[0-9a-f]|1[0-9a-f]|7f)/i.test(path)) return bad('must not contain an encoded control character');
  const prefixes = proxyPrefixes(connector);
  if (!prefixes.some((p) => path.startsWith(p))) return bad(`must start with one of ${prefixes.map((p) => p.slice(1)).join(', ')} for ${connector}`);
  return E.right(path);
};

/** The prefix rule once the connection is known: Jira Cloud speaks /rest/api/3, Data Center /rest/api/2. */
export const checkProxyFlavour = (connector: ConnectorId, flavour: AccessContext['flavour'], path: string): E.Either<AppError, string> => {
  const prefixes = proxyPrefixes(connector, flavour);
  if (prefixes.some((p) => path.startsWith(p))) return E.right(path);
  const where = flavour === 'data_center' ? 'Data Center' : 'Cloud';
  return bad(`is not an API of this ${connector} connection (${where}); it reaches ${prefixes.map((p) => p.slice(1)).join(', ')}`);
};

/** A query string as sent (without `?`): passed on as it is, but never with a fragment or control characters. */
export const checkProxyQuery = (query: string): E.Either<AppError, string> =>
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  /[\u0000-\u001f\u007f#]/.test(query) ? E.left(AppError.validation('The proxy query string contains a control character or #.')) : E.right(query);

/** Request headers a caller may pass on to Atlassian; everything else (Authorization, Cookie, ...) is dropped. */
export const PROXY_REQUEST_HEADERS: readonly string[] = ['accept', 'accept-language', 'x-atlassian-token', 'if-match', 'if-none-match', 'if-modified-since'];

const RESPONSE_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-disposition',
  'content-language',
  'etag',
  'last-modified',
  'location',
  'retry-after',
  'beta-retry-after',
  'x-arequestid',
  'atl-traceid',
  'link',
]);

/**
 * Headers of Atlassian's answer the proxy passes back: what describes the body, the rate
 * limit and retry advice, and the request ids Atlassian support asks for. Never Set-Cookie,
 * never anything about the connection or Atlassian's own infrastructure.
 */
export const isProxiedResponseHeader = (name: string): boolean => {
  const n = name.toLowerCase();
  return RESPONSE_HEADERS.has(n) || n.startsWith('x-ratelimit-');
};

/** A request body passed through as its bytes: JSON, or multipart/form-data with its boundary. */
export interface ProxyBody {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** One request for Atlassian, checked: the path below the connection's base URL and the query as sent. */
export interface ProxyRequest {
  readonly method: ProxyMethod;
  readonly path: string;
  /** Without `?`; empty for none. */
  readonly query: string;
  /** The headers of PROXY_REQUEST_HEADERS the caller sent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: ProxyBody;
}

/** Atlassian's answer as it came, its headers already limited to the proxied ones. */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Error answers (4xx, 5xx) and small successes are read whole; larger successes stream. */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /** Drops what is left of a streamed body. */
  discard(): void;
}

/** Atlassian's 401 for a token that lacks a scope: a refresh would bring the same scopes. */
export const isScopeMismatch = (answer: ProxyAnswer): boolean =>
  answer.body instanceof Uint8Array && /scope does not match/i.test(Buffer.from(answer.body).toString('utf8'));
