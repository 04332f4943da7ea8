/**
 * The bearer JWT of a Jira webhook delivery to an OAuth 2.0 app: HS256, signed with the
 * app's client secret, `exp` required and checked (docs/events-inbound.md). Any other
 * algorithm, a missing or past `exp`, or a wrong signature is UNAUTHORIZED.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { errors, jwtVerify } from 'jose';
import type { WebhookTokenVerifier } from '../../application/ports/inbound-sync.js';
import { AppError } from '../../domain/errors.js';

export class JoseWebhookVerifier implements WebhookTokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    clientSecret: string,
    private readonly settings: { readonly now: () => Date; readonly clockToleranceSeconds: number },
  ) {
    this.key = new TextEncoder().encode(clientSecret);
  }

  verify(token: string): TE.TaskEither<AppError, { expiresAt: Date; claims: Readonly<Record<string, unknown>> }> {
    return TE.tryCatch(
      async () => {
        if (this.key.length === 0) throw new Error('no client secret');
        const { payload } = await jwtVerify(token, this.key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
          currentDate: this.settings.now(),
          clockTolerance: this.settings.clockToleranceSeconds,
        });
        return { expiresAt: new Date((payload.exp ?? 0) * 1000), claims: payload as Record<string, unknown> };
      },
      (err) =>
        AppError.unauthorized(
          err instanceof errors.JWTExpired ? 'The webhook token has expired.' : 'The webhook delivery is not signed by Atlassian for this app.',
        ),
    );
  }
}
