/**
 * `integration-backend`: the core. Domain types, the error union, the use cases and the
 * ports they need. It loads none of the adapters' libraries (koa, @koa/router, undici,
 * kysely, better-sqlite3, pino, tsyringe); only io-ts and fp-ts, which the use cases speak,
 * and the pure parsing libraries of the markup conversions (mdast/micromark, htmlparser2).
 * See docs/embedding.md.
 */

// Domain
export * from '../domain/errors.js';
export { isPublicAddress } from '../domain/public-address.js';
export * from '../domain/tenant.js';
export * from '../domain/connector.js';
export * from '../domain/connection.js';
export * from '../domain/credentials.js';
export * from '../domain/operations.js';
export * from '../domain/jira.js';
export * from '../domain/jira-issue.js';
export * from '../domain/scope-filter.js';
export { decodeCursor, encodeCursor, pageOf, PageOf, type CursorState, type Page } from '../domain/cursor.js';
export { decodeStrictWith, decodeWith } from '../domain/decode.js';
export { toJsonSchema, type JsonSchema } from '../domain/json-schema.js';
export { buildIssueSearchJql, buildContentSearchCql, quoteCqlString, quoteJqlString } from '../domain/query-language.js';
export {
  markdownToAdf,
  markdownToStorage,
  markdownToJiraWiki,
  adfToMarkdown,
  storageToMarkdown,
  jiraWikiToMarkdown,
  convertMarkdown,
  isAdfDoc,
  isAllowedHref,
  ADF_MAX_DEPTH,
  ADF_MAX_NODES,
  MARKDOWN_MAX_DELIMITERS,
  MARKDOWN_MAX_DEPTH,
  MARKDOWN_MAX_LENGTH,
  MARKDOWN_OUTPUT_MAX_LENGTH,
  type AdfDoc,
  type AdfMark,
  type AdfNode,
  type MarkupFormat,
} from '../domain/markup/index.js';

// Ports: what an embedder implements (or takes from the adapter entries)
export type { AccessProvider } from '../application/ports/access-provider.js';
export type { CredentialOpener } from '../application/ports/credential-opener.js';
export type { GrantRefresh, GrantRotation } from '../application/ports/grant-refresh.js';
export type * from '../application/ports/atlassian-authorization.js';
export type * from '../application/ports/atlassian-gateways.js';
export type { Cipher } from '../application/ports/cipher.js';
export type { Clock } from '../application/ports/clock.js';
export type * from '../application/ports/connection-store.js';
export { silentLogger, type Logger } from '../application/ports/logger.js';
export type * from '../application/ports/oauth-nonce-store.js';
export type * from '../application/ports/idempotency-store.js';
export type * from '../application/ports/service-meta-store.js';
export type * from '../application/ports/site-url-guard.js';
export type * from '../application/ports/state-signer.js';
export type * from '../application/ports/audit-log.js';

// Use cases
export * from '../application/jira-operations.js';
export * from '../application/jira/users.js';
export * from '../application/jira/issues.js';
export * from '../application/jira/comments.js';
export { issueFields, jiraFieldsOf, type FieldSelection } from '../application/jira/fields.js';
export * from '../application/confluence-operations.js';
export * from '../application/operation-inputs.js';
export * from '../application/tools.js';
export { IdempotentWrites, isStoredFailure, type IdempotencyPorts, type IdempotentOutcome } from '../application/idempotency.js';
export { parseIdempotencyKey, requestFingerprint, IDEMPOTENCY_KEY_MAX_LENGTH } from '../domain/idempotency.js';
export * from '../application/audit.js';
export * from '../application/catalog/index.js';
export { readPage, type PagePosition, type PagedInput } from '../application/paged-read.js';
export { withAccess } from '../application/with-access.js';
export { ProxyAtlassian, type ProxyCall, type ProxySettings } from '../application/proxy-atlassian.js';
export type * from '../application/ports/atlassian-proxy.js';
export * from '../domain/proxy.js';
export { GrantRefresher, type RefreshSettings } from '../application/grant-refresher.js';
export { StoredCredentialAccess, type AccessSettings } from '../application/stored-credential-access.js';
export { CredentialCache } from '../application/credential-cache.js';
export { loadUsableConnection } from '../application/usable-connection.js';
export { accessContextOf } from '../domain/access-context.js';
export { StartJiraAuthorization } from '../application/start-jira-authorization.js';
export { CompleteJiraAuthorization } from '../application/complete-jira-authorization.js';
export { SaveAccessToken } from '../application/save-access-token.js';
export { UpdateConnection } from '../application/update-connection.js';
export { EnsureEncryptionKey } from '../application/ensure-encryption-key.js';
export { ListConnectors } from '../application/list-connectors.js';
export { ListConnections, type TenantConnectionView } from '../application/list-connections.js';
export { GetConnection } from '../application/get-connection.js';
export { DeleteConnection } from '../application/delete-connection.js';
export { GetServiceHealth, type ServiceFacts, type ServiceHealth } from '../application/get-service-health.js';
export type { OAuthSettings } from '../application/oauth-settings.js';
