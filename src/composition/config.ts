/**
 * The service's configuration, decoded once at start from the environment by io-ts.
 * A bad value stops the service with a message naming the variable and what it expects.
 */
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../domain/files.js';
import { OPERATIONS, TOOL_GROUPS } from '../application/catalog/index.js';

const fromString = <A>(name: string, parse: (s: string) => A | undefined): t.Type<A, string, unknown> =>
  new t.Type<A, string, unknown>(
    name,
    (u): u is A => parse(String(u)) !== undefined,
    (u, c) => {
      if (typeof u !== 'string') return t.failure(u, c, name);
      const parsed = parse(u.trim());
      return parsed === undefined ? t.failure(u, c, name) : t.success(parsed);
    },
    String,
  );

const intBetween = (min: number, max: number) =>
  fromString(`an integer from ${min} to ${max}`, (s) => {
    if (!/^-?\d+$/.test(s)) return undefined;
    const n = Number(s);
    return n >= min && n <= max ? n : undefined;
  });

/** An integer in [min, max], or empty / `off` for none (null). */
const optionalIntBetween = (min: number, max: number, what: string) =>
  fromString(what, (s): number | null | undefined => {
    const v = s.trim();
    if (v === '' || v === 'off') return null;
    return /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined;
  });

const bool = fromString('true or false', (s) => {
  const v = s.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return undefined;
});

const csv = fromString('a comma-separated list', (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== ''),
);

const httpUrl = fromString('an http(s) URL', (s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
});

const authMode = t.keyof({ open: null, api_key: null, jwt: null }, 'one of open, api_key, jwt');

/** Asymmetric JWS algorithms jose verifies with a public key; `none` and HS* never. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const claimName = fromString('a claim name (letters, digits, _ . : / -)', (s) => (/^[A-Za-z0-9_.:/-]{1,128}$/.test(s) ? s : undefined));

const optionalHttpUrl = fromString('an http(s) URL, or empty', (s) => {
  if (s === '') return '';
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
});

const logLevel = t.keyof(
  { fatal: null, error: null, warn: null, info: null, debug: null, trace: null, silent: null },
  'one of fatal, error, warn, info, debug, trace, silent',
);

export type DatabaseConfig =
  | {
      readonly dialect: 'sqlite';
      readonly filename: string;
      /** INTEGRATION_DB_LISTEN: other connections' commits seen by SQLite's data version, so the connection cache reads no stamp per request. */
      readonly listen?: boolean;
    }
  | {
      readonly dialect: 'postgres';
      /** A libpq connection URL (`postgresql://user:password@host:5432/db?sslmode=require`). */
      readonly url: string;
      /** The same URL without its password, for messages and logs. */
      readonly display: string;
      /** INTEGRATION_DB_PREPARED_STATEMENTS: the hottest reads as named prepared statements. */
      readonly preparedStatements?: boolean;
      /** INTEGRATION_DB_LISTEN: connection row changes heard by LISTEN, so the connection cache reads no stamp per request. */
      readonly listen?: boolean;
    };

const POSTGRES_SCHEME = /^(postgres|postgresql)(\+[a-z0-9_]+)?:\/\//i;

/** The URL with every password (user info, or libpq's password= parameters) replaced, so it can be shown. */
export const redactDatabaseUrl = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (/password/i.test(name)) u.searchParams.set(name, '***');
    }
    return u.toString();
  } catch {
    return 'the PostgreSQL URL';
  }
};

/**
 * The SQLAlchemy URL forms the FastAPI service used: `sqlite:///relative.db`,
 * `sqlite:////absolute/path.db`, `sqlite:///:memory:`, and PostgreSQL as
 * `postgresql://user:password@host:5432/db` (also `postgres://` and SQLAlchemy's
 * driver-qualified `postgresql+psycopg2://`, `postgresql+asyncpg://`, ...).
 */
export const parseDatabaseUrl = (url: string): E.Either<string, DatabaseConfig> => {
  const trimmed = url.trim();
  const expected =
    'sqlite:///relative.db, sqlite:////absolute/path.db, sqlite:///:memory: or postgresql://user:password@host:5432/database';
  if (POSTGRES_SCHEME.test(trimmed)) {
    const normalized = trimmed.replace(POSTGRES_SCHEME, 'postgresql://');
    let parsed: URL;
    try {
      parsed = new URL(normalized);
    } catch {
      return E.left(`INTEGRATION_DB_URL is not a valid PostgreSQL URL; expected ${expected}`);
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      return E.left(`INTEGRATION_DB_URL must name the PostgreSQL host (postgresql://user:password@host:5432/database)`);
    }
    if (parsed.pathname.replace(/^\//, '') === '') {
      return E.left(`INTEGRATION_DB_URL must name the PostgreSQL database (postgresql://user:password@host:5432/database)`);
    }
    return E.right({ dialect: 'postgres', url: normalized, display: redactDatabaseUrl(normalized) });
  }
  const m = /^sqlite:\/\/\/(.+)$/.exec(trimmed);
  if (!m?.[1]) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
    return E.left(
      scheme && scheme !== 'sqlite'
        ? `INTEGRATION_DB_URL uses the unsupported scheme "${scheme}"; expected ${expected}`
        : `INTEGRATION_DB_URL must look like ${expected}`,
    );
  }
  const rest = m[1];
  if (rest === ':memory:') return E.right({ dialect: 'sqlite', filename: ':memory:' });
  return E.right({ dialect: 'sqlite', filename: rest.startsWith('/') ? rest : path.resolve(rest) });
};

const databaseUrl = new t.Type<DatabaseConfig, string, unknown>(
  'a sqlite:/// or postgresql:// URL',
  (u): u is DatabaseConfig => typeof u === 'object' && u !== null && 'dialect' in u,
  (u, c) => (typeof u === 'string' ? pipe(parseDatabaseUrl(u), E.fold((msg) => t.failure(u, c, msg), t.success)) : t.failure(u, c)),
  (d) => (d.dialect === 'sqlite' ? `sqlite:///${d.filename}` : d.url),
);

/**
 * What consent asks for by default: every scope an operation of the catalog names (a test
 * holds the two together; docs/oauth.md lists them per operation), and offline_access for
 * refresh tokens.
 */
export const DEFAULT_JIRA_SCOPES = [
  'read:jira-work',
  'write:jira-work',
  'read:jira-user',
  'offline_access',
  'read:board-scope:jira-software',
  'read:sprint:jira-software',
  'write:sprint:jira-software',
  'read:issue-details:jira',
  'read:jql:jira',
  'read:space:confluence',
  'read:page:confluence',
  'write:page:confluence',
  'search:confluence',
  // Confluence pages (issue 12): docs/oauth.md lists which operation needs which.
  'delete:page:confluence',
  'read:content.metadata:confluence',
  'read:content-details:confluence',
  'read:comment:confluence',
  'write:comment:confluence',
  'read:label:confluence',
  'write:label:confluence',
  'read:attachment:confluence',
  'write:attachment:confluence',
  // Jira dynamic webhooks (issue 14, docs/events-inbound.md): register, refresh, delete.
  'manage:jira-webhook',
];

/** Variable name -> codec, default (as the environment would spell it). */
const spec = {
  PORT: [intBetween(0, 65535), '3001'],
  HOST: [t.string, '0.0.0.0'],
  LOG_LEVEL: [logLevel, 'info'],
  LOG_PRETTY: [bool, ''],
  BACKEND_CORS_ORIGINS: [csv, ''],
  NEXT_PUBLIC_BACKEND_CORS_ORIGINS: [csv, ''],
  INTEGRATION_DB_URL: [databaseUrl, 'sqlite:///./integration.db'],
  INTEGRATION_DB_PREPARED_STATEMENTS: [bool, 'true'],
  INTEGRATION_DB_LISTEN: [bool, 'true'],
  BODY_LIMIT_BYTES: [intBetween(1024, 64 * 1024 * 1024), String(1024 * 1024)],
  APP_FRONTEND_URL: [httpUrl, 'http://localhost:3000'],
  JIRA_OAUTH_CLIENT_ID: [t.string, ''],
  JIRA_OAUTH_CLIENT_SECRET: [t.string, ''],
  JIRA_REDIRECT_URI: [t.string, ''],
  JIRA_OAUTH_SCOPES: [t.string, DEFAULT_JIRA_SCOPES.join(' ')],
  ATLASSIAN_CLOUD_BASE_URL: [t.string, ''],
  ATLASSIAN_AUTH_BASE_URL: [httpUrl, 'https://auth.atlassian.com'],
  ATLASSIAN_API_BASE_URL: [httpUrl, 'https://api.atlassian.com'],
  ALLOWED_ATLASSIAN_HOSTS: [csv, ''],
  ENABLE_JIRA_PAT: [bool, 'false'],
  ENABLE_OAUTH_PKCE: [bool, 'false'],
  STATE_SIGNING_SECRET: [t.string, ''],
  INTEGRATION_ENCRYPTION_KEY: [t.string, ''],
  INTEGRATION_ENCRYPTION_KEY_PREVIOUS: [t.string, ''],
  TOKEN_REFRESH_SKEW_SECONDS: [intBetween(0, 3000), '300'],
  ATLASSIAN_TIMEOUT_MS: [intBetween(100, 300_000), '10000'],
  ATLASSIAN_RETRY_BUDGET_MS: [intBetween(0, 300_000), '15000'],
  TOOLS_READ_ONLY: [bool, 'false'],
  TOOLS_ENABLED: [csv, ''],
  TOOL_RESULT_MAX_BYTES: [intBetween(1024, 16 * 1024 * 1024), String(64 * 1024)],
  IDEMPOTENCY_TTL_HOURS: [intBetween(1, 24 * 30), '24'],
  JIRA_PROJECTS_FILTER: [csv, ''],
  CONFLUENCE_SPACES_FILTER: [csv, ''],
  SHUTDOWN_GRACE_SECONDS: [intBetween(0, 3600), '20'],
  AUDIT_RETENTION_DAYS: [intBetween(1, 36500), '90'],
  METRICS_PORT: [fromString('a port from 1 to 65535 (0: any free one), or empty for no metrics', (s) => (s === '' || s === 'off' ? null : /^\d+$/.test(s) && Number(s) >= 0 && Number(s) <= 65535 ? Number(s) : undefined)), ''],
  METRICS_HOST: [t.string, '127.0.0.1'],
  ATTACHMENT_MAX_BYTES: [intBetween(1024, 1024 * 1024 * 1024), String(DEFAULT_FILE_LIMITS.maxBytes)],
  ATTACHMENT_TOOL_MAX_BYTES: [intBetween(1024, 16 * 1024 * 1024), String(DEFAULT_FILE_LIMITS.toolMaxBytes)],
  PROXY_ENABLED: [bool, 'true'],
  AUTH_MODE: [authMode, 'open'],
  AUTH_JWKS_URL: [optionalHttpUrl, ''],
  AUTH_ISSUER: [t.string, ''],
  AUTH_AUDIENCE: [t.string, ''],
  AUTH_JWT_ALGORITHMS: [csv, 'RS256,PS256,ES256,EdDSA'],
  AUTH_TENANT_CLAIM: [claimName, 'tenant_id'],
  AUTH_CLOCK_SKEW_SECONDS: [intBetween(0, 300), '30'],
  AUTH_JWKS_COOLDOWN_SECONDS: [intBetween(1, 3600), '30'],
  AUTH_RESOURCE_URL: [optionalHttpUrl, ''],
  HSTS: [bool, 'false'],
  RATE_LIMIT_PER_TENANT: [optionalIntBetween(1, 1_000_000, 'requests a minute from 1 to 1000000, or empty for no limit'), ''],
  RATE_LIMIT_BURST: [optionalIntBetween(1, 1_000_000, 'a number of requests from 1 to 1000000, or empty for the per-minute limit'), ''],
  RATE_LIMIT_SHARED: [bool, 'false'],
  UPSTREAM_CONCURRENCY_PER_TENANT: [intBetween(0, 10_000), '8'],
  UPSTREAM_QUEUE_PER_TENANT: [intBetween(0, 100_000), '64'],
  UPSTREAM_QUEUE_WAIT_MS: [intBetween(0, 300_000), '10000'],
  WEBHOOK_URL: [t.string, ''],
  WEBHOOK_SECRET: [t.string, ''],
  WEBHOOK_ALLOW_HTTP_LOOPBACK: [bool, 'false'],
  WEBHOOK_TIMEOUT_MS: [intBetween(100, 120_000), '10000'],
  EVENTS_RETENTION_DAYS: [intBetween(1, 3650), '7'],
  // Inbound changes (issue 14, docs/events-inbound.md).
  PUBLIC_BASE_URL: [optionalHttpUrl, ''],
  SYNC_INTERVAL_SECONDS: [intBetween(0, 86_400), '300'],
} as const;

type Spec = typeof spec;
export type EnvName = keyof Spec;
type Decoded = { -readonly [K in EnvName]: t.TypeOf<Spec[K][0]> };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: t.TypeOf<typeof logLevel>;
  /** Undefined: pretty only when stdout is a terminal. */
  readonly logPretty: boolean | undefined;
  /** Explicit origins; empty means the `*` wildcard (without credentials). */
  readonly corsOrigins: readonly string[];
  readonly database: DatabaseConfig;
  readonly bodyLimitBytes: number;
  readonly frontendUrl: string;
  readonly oauth: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUri: string;
    readonly scopes: readonly string[];
    readonly pkce: boolean;
    readonly stateSigningSecret: string;
  };
  readonly atlassian: {
    readonly cloudBaseUrl: string;
    readonly authBaseUrl: string;
    readonly apiBaseUrl: string;
    readonly allowedHosts: readonly string[];
    readonly timeoutMs: number;
    readonly retryBudgetMs: number;
  };
  readonly encryption: { readonly key: string; readonly previousKey: string };
  readonly tokenRefreshSkewSeconds: number;
  readonly enableJiraPat: boolean;
  readonly toolsReadOnly: boolean;
  /** Tool names and groups (jira_read, jira_write, confluence_read, confluence_write) to offer; empty: all. */
  readonly toolsEnabled: readonly string[];
  /** The largest tool result, in bytes of JSON; longer ones are cut with truncated: true. */
  readonly toolResultMaxBytes: number;
  /** IDEMPOTENCY_TTL_HOURS: how long an Idempotency-Key and the outcome of its first request are kept. */
  readonly idempotencyTtlHours: number;
  /** Jira project keys every Jira operation is limited to; empty: all. */
  readonly jiraProjectsFilter: readonly string[];
  /** Confluence space keys every Confluence operation is limited to; empty: all. */
  readonly confluenceSpacesFilter: readonly string[];
  /**
   * ATTACHMENT_MAX_BYTES (REST downloads and uploads) and ATTACHMENT_TOOL_MAX_BYTES (tools),
   * the latter never more than fits in TOOL_RESULT_MAX_BYTES as base64.
   */
  readonly attachments: FileLimits;
  /** On SIGTERM: how long requests in flight may take to finish before their connections are cut. */
  readonly shutdownGraceSeconds: number;
  /** How long audit entries are kept; older ones are pruned in the background. */
  readonly auditRetentionDays: number;
  /** Where `/metrics` is served (a port of its own, never the API's); null: metrics off. */
  readonly metrics: { readonly port: number; readonly host: string } | null;
  /** `/connectors/{connector}/proxy/{path}` answers (false: 404 NOT_FOUND). */
  readonly proxyEnabled: boolean;
  /** Who may call (docs/security.md). */
  readonly auth: AuthConfig;
  /** Send Strict-Transport-Security (only behind TLS). */
  readonly hsts: boolean;
  /** RATE_LIMIT_PER_TENANT on our own API; null: no limit. */
  readonly rateLimit: { readonly perMinute: number; readonly burst: number; readonly shared: boolean } | null;
  /** UPSTREAM_CONCURRENCY_PER_TENANT (0: no cap), its queue and the longest wait in it. */
  readonly upstreamConcurrency: { readonly perTenant: number; readonly queue: number; readonly maxWaitMs: number };
  /** Outbound events (docs/events.md). */
  readonly events: {
    /** WEBHOOK_URL: where a tenant without an endpoint of its own is sent to; '' for none. */
    readonly webhookUrl: string;
    /** WEBHOOK_SECRET, `whsec_<base64>`. */
    readonly webhookSecret: string;
    /** http:// and loopback webhook URLs (development and tests only). */
    readonly allowHttpLoopback: boolean;
    readonly timeoutMs: number;
    readonly retentionDays: number;
  };
  /** Inbound changes (docs/events-inbound.md). */
  readonly inbound: {
    /** PUBLIC_BASE_URL: where Atlassian reaches this service; empty: no Jira webhooks (the pollers still run). */
    readonly publicBaseUrl: string;
    /** SYNC_INTERVAL_SECONDS between poll rounds (with jitter); 0: no pollers. */
    readonly syncIntervalSeconds: number;
  };
}

export interface AuthConfig {
  /** open: X-Tenant-Id is trusted; api_key: keys from `integration-backend keys create`; jwt: tokens of the product's identity provider. */
  readonly mode: 'open' | 'api_key' | 'jwt';
  readonly jwt: {
    readonly jwksUrl: string;
    readonly issuer: string;
    readonly audience: string;
    readonly algorithms: readonly string[];
    readonly tenantClaim: string;
    readonly clockSkewSeconds: number;
    /** The least time between two JWKS fetches, however many unknown key ids arrive. */
    readonly jwksCooldownSeconds: number;
  };
  /** The public URL of this service (RFC 9728 resource); empty: the URL each request was sent to. */
  readonly resourceUrl: string;
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 bytes. */
export const isWebhookSecret = (s: string): boolean => {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(s);
  if (!m) return false;
  const bytes = Buffer.from(m[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64;
};

/** Decodes every variable; all problems are reported at once. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): E.Either<string, Config> {
  const problems: string[] = [];
  const values: Partial<Decoded> = {};
  for (const name of Object.keys(spec) as EnvName[]) {
    const [codec, fallback] = spec[name];
    const raw = env[name];
    const input = raw === undefined || raw.trim() === '' ? fallback : raw;
    const result = (codec as t.Type<unknown, unknown, unknown>).decode(input);
    if (E.isLeft(result)) {
      const message = result.left[0]?.message ?? codec.name;
      problems.push(message.startsWith(`${name} `) ? message : `${name} must be ${message}`);
    } else {
      (values as Record<string, unknown>)[name] = result.right;
    }
  }
  const v = values as Decoded;
  if (v.TOOLS_ENABLED) {
    const known = new Set<string>([...TOOL_GROUPS, ...OPERATIONS.map((o) => o.name)]);
    const unknown = v.TOOLS_ENABLED.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      problems.push(`TOOLS_ENABLED names no tool or group ${unknown.slice(0, 5).join(', ')}; expected tool names or ${TOOL_GROUPS.join(', ')}`);
    }
  }
  for (const [name, keys, pattern] of [
    ['JIRA_PROJECTS_FILTER', v.JIRA_PROJECTS_FILTER, /^[A-Za-z][A-Za-z0-9_]{0,254}$/],
    ['CONFLUENCE_SPACES_FILTER', v.CONFLUENCE_SPACES_FILTER, /^[A-Za-z0-9~_-]{1,255}$/],
  ] as const) {
    const bad = (keys ?? []).filter((k) => !pattern.test(k));
    if (bad.length > 0) problems.push(`${name} must be a comma-separated list of keys (letters, digits, _); ${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} not`);
  }
  if (v.AUTH_JWT_ALGORITHMS) {
    const bad = v.AUTH_JWT_ALGORITHMS.filter((a) => !(JWT_ALGORITHMS as readonly string[]).includes(a));
    if (bad.length > 0) problems.push(`AUTH_JWT_ALGORITHMS may name only ${JWT_ALGORITHMS.join(', ')} (never none or HS*); not ${bad.slice(0, 5).join(', ')}`);
    if (v.AUTH_JWT_ALGORITHMS.length === 0) problems.push('AUTH_JWT_ALGORITHMS must name at least one algorithm');
  }
  if (v.AUTH_MODE === 'jwt') {
    const missing = (['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE'] as const).filter((n) => (v[n] ?? '').trim() === '');
    if (missing.length > 0) problems.push(`AUTH_MODE=jwt needs ${missing.join(', ')}`);
  }
  if (v.RATE_LIMIT_SHARED && v.RATE_LIMIT_PER_TENANT === null) problems.push('RATE_LIMIT_SHARED=true needs RATE_LIMIT_PER_TENANT (requests a minute)');
  if (v.RATE_LIMIT_SHARED && v.INTEGRATION_DB_URL.dialect !== 'postgres') {
    problems.push('RATE_LIMIT_SHARED=true needs a PostgreSQL INTEGRATION_DB_URL (instances share their counters through it); with SQLite there is one instance, so leave it false and the limit is kept in memory');
  }
  const webhookUrl = (v.WEBHOOK_URL ?? '').trim();
  const webhookSecret = (v.WEBHOOK_SECRET ?? '').trim();
  if (webhookUrl !== '') {
    let url: URL | undefined;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && v.WEBHOOK_ALLOW_HTTP_LOOPBACK))) {
      problems.push('WEBHOOK_URL must be an absolute https URL (http only with WEBHOOK_ALLOW_HTTP_LOOPBACK=true, to a loopback address)');
    }
    if (webhookSecret === '') problems.push('WEBHOOK_URL needs WEBHOOK_SECRET (whsec_ followed by the base64 of 24 to 64 random bytes)');
  }
  if (webhookSecret !== '' && !isWebhookSecret(webhookSecret)) {
    problems.push('WEBHOOK_SECRET must be whsec_ followed by the base64 of 24 to 64 random bytes (the Standard Webhooks format), e.g. whsec_$(openssl rand -base64 32)');
  }
  if (problems.length > 0) return E.left(`Invalid configuration: ${problems.join('; ')}`);
  const cors = v.BACKEND_CORS_ORIGINS.length > 0 ? v.BACKEND_CORS_ORIGINS : v.NEXT_PUBLIC_BACKEND_CORS_ORIGINS;
  return E.right({
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    logPretty: env['LOG_PRETTY'] === undefined || env['LOG_PRETTY'].trim() === '' ? undefined : v.LOG_PRETTY,
    corsOrigins: cors.filter((o) => o !== '*'),
    database:
      v.INTEGRATION_DB_URL.dialect === 'postgres'
        ? { ...v.INTEGRATION_DB_URL, preparedStatements: v.INTEGRATION_DB_PREPARED_STATEMENTS, listen: v.INTEGRATION_DB_LISTEN }
        : { ...v.INTEGRATION_DB_URL, listen: v.INTEGRATION_DB_LISTEN },
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    frontendUrl: v.APP_FRONTEND_URL,
    oauth: {
      clientId: v.JIRA_OAUTH_CLIENT_ID.trim(),
      clientSecret: v.JIRA_OAUTH_CLIENT_SECRET,
      redirectUri: v.JIRA_REDIRECT_URI.trim(),
      scopes: v.JIRA_OAUTH_SCOPES.split(/[\s,]+/).filter((s) => s !== ''),
      pkce: v.ENABLE_OAUTH_PKCE,
      stateSigningSecret: v.STATE_SIGNING_SECRET,
    },
    atlassian: {
      cloudBaseUrl: v.ATLASSIAN_CLOUD_BASE_URL.trim().replace(/\/+$/, ''),
      authBaseUrl: v.ATLASSIAN_AUTH_BASE_URL,
      apiBaseUrl: v.ATLASSIAN_API_BASE_URL,
      allowedHosts: v.ALLOWED_ATLASSIAN_HOSTS.map((h) => h.toLowerCase()),
      timeoutMs: v.ATLASSIAN_TIMEOUT_MS,
      retryBudgetMs: v.ATLASSIAN_RETRY_BUDGET_MS,
    },
    encryption: { key: v.INTEGRATION_ENCRYPTION_KEY.trim(), previousKey: v.INTEGRATION_ENCRYPTION_KEY_PREVIOUS.trim() },
    tokenRefreshSkewSeconds: v.TOKEN_REFRESH_SKEW_SECONDS,
    enableJiraPat: v.ENABLE_JIRA_PAT,
    toolsReadOnly: v.TOOLS_READ_ONLY,
    toolsEnabled: v.TOOLS_ENABLED,
    toolResultMaxBytes: v.TOOL_RESULT_MAX_BYTES,
    idempotencyTtlHours: v.IDEMPOTENCY_TTL_HOURS,
    jiraProjectsFilter: v.JIRA_PROJECTS_FILTER.map((k) => k.toUpperCase()),
    confluenceSpacesFilter: v.CONFLUENCE_SPACES_FILTER,
    shutdownGraceSeconds: v.SHUTDOWN_GRACE_SECONDS,
    auditRetentionDays: v.AUDIT_RETENTION_DAYS,
    metrics: v.METRICS_PORT === null ? null : { port: v.METRICS_PORT, host: v.METRICS_HOST.trim() || '127.0.0.1' },
    proxyEnabled: v.PROXY_ENABLED,
    auth: {
      mode: v.AUTH_MODE,
      jwt: {
        jwksUrl: v.AUTH_JWKS_URL,
        issuer: v.AUTH_ISSUER.trim(),
        audience: v.AUTH_AUDIENCE.trim(),
        algorithms: v.AUTH_JWT_ALGORITHMS,
        tenantClaim: v.AUTH_TENANT_CLAIM,
        clockSkewSeconds: v.AUTH_CLOCK_SKEW_SECONDS,
        jwksCooldownSeconds: v.AUTH_JWKS_COOLDOWN_SECONDS,
      },
      resourceUrl: v.AUTH_RESOURCE_URL,
    },
    hsts: v.HSTS,
    rateLimit:
      v.RATE_LIMIT_PER_TENANT === null
        ? null
        : { perMinute: v.RATE_LIMIT_PER_TENANT, burst: v.RATE_LIMIT_BURST ?? v.RATE_LIMIT_PER_TENANT, shared: v.RATE_LIMIT_SHARED },
    upstreamConcurrency: { perTenant: v.UPSTREAM_CONCURRENCY_PER_TENANT, queue: v.UPSTREAM_QUEUE_PER_TENANT, maxWaitMs: v.UPSTREAM_QUEUE_WAIT_MS },
    events: {
      webhookUrl,
      webhookSecret,
      allowHttpLoopback: v.WEBHOOK_ALLOW_HTTP_LOOPBACK,
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      retentionDays: v.EVENTS_RETENTION_DAYS,
    },
    inbound: { publicBaseUrl: v.PUBLIC_BASE_URL, syncIntervalSeconds: v.SYNC_INTERVAL_SECONDS },
    attachments: {
      maxBytes: v.ATTACHMENT_MAX_BYTES,
      // Base64 takes 4 bytes for 3; the rest of the result (id, name, type) fits in 512.
      toolMaxBytes: Math.min(v.ATTACHMENT_TOOL_MAX_BYTES, Math.floor(((v.TOOL_RESULT_MAX_BYTES - 512) * 3) / 4)),
    },
  });
}

/** Configuration for tests and embedders: defaults plus the given variables. */
export function configFrom(env: Readonly<Record<string, string | undefined>> = {}): Config {
  return pipe(
    loadConfig(env),
    E.getOrElseW((msg) => {
      throw new Error(msg);
    }),
  );
}
