import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';
import type { ProxyAnswer, ProxyRequest } from '../../domain/proxy.js';

/**
 * Sends one checked request to the connection's site and answers what Atlassian said,
 * whatever the status: a Left only when there is no answer to pass on (a timeout, an
 * unreachable site, an answer larger than the limit). Reads are retried by the service's
 * rules; a redirect is never followed.
 */
export interface AtlassianProxy {
  forward(ctx: AccessContext, request: ProxyRequest): TE.TaskEither<AppError, ProxyAnswer>;
}
