import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Site } from '../../domain/connection.js';
import type { TokenSet } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';

/**
 * Atlassian's authorization server and the accessible-resources endpoint.
 * A refused refresh (`invalid_grant`) comes back as TOKEN_EXPIRED; Atlassian
 * failing or answering garbage as VENDOR_ERROR.
 */
export interface AtlassianAuthorization {
  exchangeCode(input: {
    readonly code: string;
    readonly redirectUri: string;
    readonly codeVerifier: string | null;
  }): TE.TaskEither<AppError, TokenSet>;
  refresh(refreshToken: string): TE.TaskEither<AppError, TokenSet>;
  accessibleResources(accessToken: string): TE.TaskEither<AppError, readonly Site[]>;
}

/**
 * Checks an API token or PAT with one cheap call before it is saved: Jira's `/myself`,
 * or one space from Confluence's v2 API.
 */
export interface AtlassianTokenVerifier {
  verify(input: {
    readonly product: 'jira' | 'confluence';
    readonly baseUrl: string;
    readonly authorization: string;
    readonly flavour: 'cloud' | 'data_center';
  }): TE.TaskEither<AppError, { readonly displayName: string | null }>;
}
