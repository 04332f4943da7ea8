import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuditRecorder } from './audit.js';
import { connectionEvent } from './connection-events.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Site } from '../domain/connection.js';
import { toConnectionView, type ConnectionView } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import { grantsConfluence, type Credentials, type TokenSet } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import { OAuthState } from '../domain/oauth-state.js';
import { TenantId } from '../domain/tenant.js';
import type { OAuthSettings } from './oauth-settings.js';
import type { AtlassianAuthorization } from './ports/atlassian-authorization.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository } from './ports/connection-store.js';
import type { OAuthNonceStore } from './ports/oauth-nonce-store.js';
import type { StateSigner } from './ports/state-signer.js';

export interface CallbackInput {
  readonly state?: string | undefined;
  readonly code?: string | undefined;
  readonly error?: string | undefined;
  readonly stateCookie?: string | undefined;
  /** The request's id, named by the audit entry of the connect. */
  readonly requestId?: string | undefined;
}

export interface CallbackOutcome {
  /** Where to send the browser. */
  readonly redirectTo: string;
  readonly connections: readonly ConnectionView[];
}

const badState = (why: string): AppError =>
  AppError.validation(`Invalid OAuth state: ${why}. Start the sign-in again from /auth/jira/login.`, {
    reason: 'invalid_oauth_state',
  });

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const JIRA_SCOPE = /jira/;

/** The sites a product can use: those whose scopes name it, else every site of the grant. */
const sitesFor = (sites: readonly Site[], product: RegExp): readonly Site[] => {
  const matching = sites.filter((s) => s.scopes.some((scope) => product.test(scope)));
  return matching.length > 0 ? matching : sites;
};

const normaliseSiteUrl = (u: string): string => u.trim().replace(/\/+$/, '').toLowerCase();

/**
 * Finishes the consent: proves the callback belongs to a login this service started
 * (signed cookie, matching nonce, unexpired, first use), exchanges the code, reads the
 * sites, and stores the tenant's connections with sealed tokens.
 */
export class CompleteJiraAuthorization {
  constructor(
    private readonly ports: {
      settings: OAuthSettings;
      signer: StateSigner;
      nonces: OAuthNonceStore;
      authorization: AtlassianAuthorization;
      cipher: Cipher;
      connections: ConnectionRepository;
      clock: Clock;
      /** Records the connect (`connection.connect`) once the state names its tenant. */
      audit?: AuditRecorder;
    },
  ) {}

  execute(input: CallbackInput): TE.TaskEither<AppError, CallbackOutcome> {
    return pipe(
      TE.fromEither(this.verifyState(input)),
      TE.flatMap((state) =>
        pipe(
          this.ports.nonces.consume(state.nonce, new Date(state.exp * 1000), this.ports.clock.now()),
          TE.flatMap((first) => (first ? TE.right(state) : TE.left(badState('this sign-in was already completed')))),
        ),
      ),
      TE.flatMap((state) => {
        if (input.error !== undefined && input.error !== '') {
          return TE.right({ redirectTo: this.destination(state, { error: input.error.slice(0, 100) }), connections: [] });
        }
        if (input.code === undefined || input.code === '') {
          return TE.left(AppError.validation('The callback is missing the code parameter.'));
        }
        const connect = this.connect(state, input.code);
        // The callback carries no credential of ours: the caller is the OAuth consent of the state's tenant.
        const context = { caller: { tenantId: state.tenant as TenantId, id: 'oauth_callback' }, requestId: input.requestId };
        return this.ports.audit ? this.ports.audit.recorded(context, 'connection.connect', 'jira', connect) : connect;
      }),
    );
  }

  private verifyState(input: CallbackInput): E.Either<AppError, OAuthState> {
    if (input.state === undefined || input.state === '') return E.left(badState('the state parameter is missing'));
    if (input.stateCookie === undefined || input.stateCookie === '') {
      return E.left(badState('the jira_oauth_state cookie is missing (it expires after 10 minutes and needs a browser that keeps SameSite=None cookies)'));
    }
    return pipe(
      this.ports.signer.verify(input.stateCookie),
      E.mapLeft(() => badState('the state cookie is not signed by this service')),
      E.flatMap((payload) =>
        pipe(
          E.tryCatch(
            () => JSON.parse(payload) as unknown,
            () => badState('the state cookie is unreadable'),
          ),
          E.flatMap((json) => pipe(OAuthState.decode(json), E.mapLeft(() => badState('the state cookie is unreadable')))),
        ),
      ),
      E.flatMap((state) => {
        if (!TenantId.is(state.tenant)) return E.left(badState('the state names no valid tenant'));
        if (state.exp * 1000 <= this.ports.clock.now().getTime()) return E.left(badState('the sign-in took too long and expired'));
        if (!sameText(state.nonce, input.state ?? '')) return E.left(badState('the state parameter does not match the cookie'));
        return E.right(state);
      }),
    );
  }

  private destination(state: OAuthState, extra: Record<string, string> = {}): string {
    const url = new URL(state.return_url ?? `${this.ports.settings.frontendUrl}/login`);
    if (state.return_url === null || Object.keys(extra).length > 0) url.searchParams.set('connected', 'jira');
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    return url.toString();
  }

  private connect(state: OAuthState, code: string): TE.TaskEither<AppError, CallbackOutcome> {
    const { authorization } = this.ports;
    return pipe(
      authorization.exchangeCode({ code, redirectUri: state.redirect_uri, codeVerifier: state.code_verifier }),
      TE.flatMap((tokens) =>
        pipe(
          authorization.accessibleResources(tokens.accessToken),
          TE.map((sites) => ({ tokens, sites })),
        ),
      ),
      TE.flatMap(({ tokens, sites }) =>
        sites.length === 0
          ? TE.left(AppError.forbidden('The Atlassian account granted this app access to no site; grant access to a Jira or Confluence site and try again.'))
          : this.store(state.tenant as TenantId, tokens, sites),
      ),
      TE.map((connections) => ({ redirectTo: this.destination(state), connections })),
    );
  }

  private store(tenantId: TenantId, tokens: TokenSet, sites: readonly Site[]): TE.TaskEither<AppError, readonly ConnectionView[]> {
    const { cipher, connections, clock, settings } = this.ports;
    const now = clock.now();
    const grantId = randomUUID();
    const credentials: Credentials = { kind: 'oauth', access_token: tokens.accessToken, refresh_token: tokens.refreshToken };
    const sealed = cipher.encrypt(JSON.stringify(credentials));
    const scopes = tokens.scopes.length > 0 ? tokens.scopes : settings.scopes;
    const products: Array<[ConnectorId, RegExp]> = [['jira', JIRA_SCOPE]];
    if (grantsConfluence(scopes)) products.push(['confluence', /confluence/]);
    const preferred = normaliseSiteUrl(settings.preferredSiteUrl);
    return pipe(
      products,
      TE.traverseSeqArray(([connector, product]) => {
        const usable = sitesFor(sites, product);
        const active = usable.find((s) => preferred !== '' && normaliseSiteUrl(s.url) === preferred) ?? usable[0]!;
        return connections.save(
          {
            tenantId,
            connector,
            authType: 'oauth',
            status: 'active',
            siteUrl: active.url,
            cloudId: active.cloudId,
            sites: usable,
            scopes,
            grantId,
            expiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000),
            refreshedAt: now,
            credentials: sealed,
          },
          now,
          (row) => [connectionEvent('connection.connected', row, now)],
        );
      }),
      TE.map((rows) => rows.map(toConnectionView)),
    );
  }
}
