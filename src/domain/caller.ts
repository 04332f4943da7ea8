/**
 * Who is calling: the tenant a request acts for, the credential that proved it, and what it
 * may do. Resolved once per request by the HTTP adapter (from `X-Tenant-Id` in open mode,
 * from an API key or a JWT otherwise) and handed to every route, tool and MCP call, so later
 * per-caller concerns (rate limits, idempotency, audit) have one place to read it from.
 */
import type { TenantId } from './tenant.js';
import { AppError } from './errors.js';

/** `read`: every read; `write`: creates, updates, deletes; `admin`: connect, disconnect, change a connection, manage keys. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** `anonymous`: a public route (health, docs, the OAuth callback), which acts for no tenant. */
export type CallerKind = 'anonymous' | 'open' | 'api_key' | 'jwt';

export interface Caller {
  /** The tenant every call of this request acts for. */
  readonly tenantId: TenantId;
  /** `open`, `key:<key id>` or `jwt:<subject>`: what an audit line would name. */
  readonly id: string;
  readonly kind: CallerKind;
  readonly scopes: readonly Scope[];
  /**
   * An operator key manages keys across tenants and acts for no tenant: every other route
   * refuses it.
   */
  readonly operator: boolean;
}

/** The caller of open mode: whoever reaches the service, trusted for the tenant it names. */
export const openCaller = (tenantId: TenantId): Caller => ({ tenantId, id: 'open', kind: 'open', scopes: SCOPES, operator: false });

/** Whoever calls a public route: no tenant, no scope. */
export const ANONYMOUS: Caller = { tenantId: '' as TenantId, id: 'anonymous', kind: 'anonymous', scopes: [], operator: false };

export const hasScope = (caller: Pick<Caller, 'scopes'>, scope: Scope): boolean => caller.scopes.includes(scope);

/** 403 naming the missing scope, or undefined when the caller has it. */
export const missingScope = (caller: Pick<Caller, 'scopes'>, scope: Scope, what: string): AppError | undefined =>
  hasScope(caller, scope)
    ? undefined
    : AppError.forbidden(`${what} needs the ${scope} scope; this credential has ${caller.scopes.length > 0 ? caller.scopes.join(', ') : 'no scope'}.`);

/** Parses `read,write` (or space-separated, as OAuth's `scope` claim); unknown names are reported. */
export const parseScopes = (text: string): { scopes: Scope[]; unknown: string[] } => {
  const names = text.split(/[\s,]+/).filter((s) => s !== '');
  const scopes = SCOPES.filter((s) => names.includes(s));
  return { scopes, unknown: names.filter((n) => !isScope(n)) };
};

/** The one message of every refused credential: it never says whether it was missing, malformed, unknown, expired or revoked. */
export const UNAUTHENTICATED_MESSAGE = 'A valid credential is required: send Authorization: Bearer <API key or token>.';

export const unauthenticated = (): AppError => AppError.unauthorized(UNAUTHENTICATED_MESSAGE, { reason: 'caller_unauthenticated' });
