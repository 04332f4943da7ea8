import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { toConnectionView, type ConnectionView } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import { basicAuthorization, type Credentials } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { AtlassianTokenVerifier } from './ports/atlassian-authorization.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository } from './ports/connection-store.js';
import type { SiteUrlGuard } from './ports/site-url-guard.js';
import { connectionEvent } from './connection-events.js';

export interface SaveAccessTokenInput {
  readonly tenantId: TenantId;
  readonly connector: ConnectorId;
  readonly token: string;
  readonly baseUrl: string;
  /** With an email: an Atlassian Cloud API token (Basic). Without: a Data Center PAT (Bearer). */
  readonly email?: string | undefined;
}

/**
 * Saves an API token or personal access token connection, after checking that the
 * base URL may receive it and that Atlassian accepts it. Nothing is stored on failure.
 */
export class SaveAccessToken {
  constructor(
    private readonly ports: {
      enabled: boolean;
      guard: SiteUrlGuard;
      verifier: AtlassianTokenVerifier;
      cipher: Cipher;
      connections: ConnectionRepository;
      clock: Clock;
    },
  ) {}

  execute(input: SaveAccessTokenInput): TE.TaskEither<AppError, ConnectionView> {
    const { enabled, guard, verifier, cipher, connections, clock } = this.ports;
    if (!enabled) {
      return TE.left(AppError.forbidden('Personal access tokens are disabled; the operator can enable them with ENABLE_JIRA_PAT=true.'));
    }
    const token = input.token.trim();
    if (token === '' || token.length > 4096) return TE.left(AppError.validation('pat must be a non-empty token of at most 4096 characters.'));
    const email = input.email?.trim();
    // This service speaks Confluence's Cloud v2 API, which Data Center lacks: Confluence
    // takes a Cloud API token (with email), not a Data Center PAT.
    if (input.connector === 'confluence' && email === undefined) {
      return TE.left(AppError.validation('Confluence takes an Atlassian Cloud API token: send email with pat.'));
    }
    if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) return TE.left(AppError.validation('email must be an email address.'));
    const credentials: Credentials = email ? { kind: 'api_token', email, token } : { kind: 'pat', token };
    const authorization = email ? basicAuthorization(email, token) : `Bearer ${token}`;
    return pipe(
      guard.check(input.baseUrl),
      TE.flatMap((url) => {
        const baseUrl = url.toString().replace(/\/+$/, '');
        return pipe(
          verifier.verify({ product: input.connector, baseUrl, authorization, flavour: email ? 'cloud' : 'data_center' }),
          TE.map(() => baseUrl),
        );
      }),
      TE.flatMap((baseUrl) => {
        const now = clock.now();
        return connections.save(
          {
            tenantId: input.tenantId,
            connector: input.connector,
            authType: credentials.kind,
            status: 'active',
            siteUrl: baseUrl,
            cloudId: null,
            sites: [],
            scopes: [],
            grantId: null,
            expiresAt: null,
            refreshedAt: now,
            credentials: cipher.encrypt(JSON.stringify(credentials)),
          },
          now,
          (row) => [connectionEvent('connection.connected', row, now)],
        );
      }),
      TE.map(toConnectionView),
    );
  }
}
