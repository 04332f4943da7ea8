import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** One Jira dynamic webhook the service registered for a tenant's site (0009_inbound_sync). */
export interface WebhookRegistration {
  readonly tenantId: TenantId;
  readonly cloudId: string;
  /** Jira's id of the webhook (unique within one site). */
  readonly webhookId: number;
  /** When Jira stops sending it unless it is refreshed (30 days after registration or refresh). */
  readonly expiresAt: Date;
  /** The JQL filter it was registered with (a changed JIRA_PROJECTS_FILTER registers again). */
  readonly jql: string;
  readonly url: string;
}

/** Where a poller got to for one tenant and connector. */
export interface SyncCheckpoint {
  readonly tenantId: TenantId;
  readonly connector: ConnectorId;
  /** Changes at or after this instant (less the overlap) are read by the next round. */
  readonly checkpoint: Date;
  /** The poller's own memory (Confluence: the pages seen lately, to notice removals), JSON. */
  readonly state: Readonly<Record<string, unknown>>;
}

/** What the inbound side keeps: webhook registrations, poll checkpoints and the deliveries seen. */
export interface InboundStore {
  registrations(tenantId: TenantId): TE.TaskEither<AppError, readonly WebhookRegistration[]>;
  allRegistrations(): TE.TaskEither<AppError, readonly WebhookRegistration[]>;
  /** The registrations with this webhook id (on any site: ids are unique per site only). */
  registrationsByWebhookId(webhookId: number): TE.TaskEither<AppError, readonly WebhookRegistration[]>;
  saveRegistrations(rows: readonly WebhookRegistration[]): TE.TaskEither<AppError, void>;
  deleteRegistrations(tenantId: TenantId, cloudId: string, webhookIds: readonly number[]): TE.TaskEither<AppError, void>;
  checkpoint(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, SyncCheckpoint | undefined>;
  saveCheckpoint(checkpoint: SyncCheckpoint): TE.TaskEither<AppError, void>;
  deleteCheckpoints(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, void>;
  /**
   * Remembers a delivery key (a webhook identifier, a bearer token's hash) until `expiresAt`;
   * answers false when it is remembered already (a retry or a replay).
   */
  rememberDelivery(key: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean>;
  /** Forgets one delivery key (its delivery could not be recorded: Atlassian's retry must count as new). */
  forgetDelivery(key: string): TE.TaskEither<AppError, void>;
  /** Forgets the delivery keys that expired; answers how many. */
  pruneDeliveries(now: Date): TE.TaskEither<AppError, number>;
}

/** Jira's dynamic webhook API (`/rest/api/3/webhook`), for OAuth connections. */
export interface JiraWebhookApi {
  /** Registers one webhook per entry; answers the ids Jira created (errors for the ones it refused). */
  registerWebhooks(
    ctx: AccessContext,
    q: { readonly url: string; readonly webhooks: ReadonlyArray<{ readonly events: readonly string[]; readonly jqlFilter: string }> },
  ): TE.TaskEither<AppError, { readonly ids: readonly number[]; readonly errors: readonly string[] }>;
  /** Extends their life; answers the new expiry. */
  refreshWebhooks(ctx: AccessContext, ids: readonly number[]): TE.TaskEither<AppError, Date>;
  deleteWebhooks(ctx: AccessContext, ids: readonly number[]): TE.TaskEither<AppError, void>;
}

/** A Confluence page as the poller reads it. */
export interface ChangedPage {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly version: number | null;
  readonly spaceId: string | null;
  /** When its current version was made. */
  readonly versionCreatedAt: string | null;
}

/** The one read the Confluence poller makes beyond search (issue searches go through JiraIssueSearch). */
export interface ConfluencePageStatuses {
  /** The pages with these ids (at most 250) in any status: current, trashed, deleted; a purged one is missing. */
  pagesWithStatus(ctx: AccessContext, ids: readonly string[]): TE.TaskEither<AppError, readonly ChangedPage[]>;
}

/** Checks the bearer JWT of a Jira webhook delivery (HS256, the OAuth client secret, `exp`). */
export interface WebhookTokenVerifier {
  /** Answers the token's claims and expiry; UNAUTHORIZED when it is missing, malformed, wrongly signed or expired. */
  verify(token: string): TE.TaskEither<AppError, { readonly expiresAt: Date; readonly claims: Readonly<Record<string, unknown>> }>;
}
