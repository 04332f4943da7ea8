/**
 * The upstream budget: what Atlassian's rate-limit headers say about the quota left, kept per
 * site and for the OAuth app as a whole, and what that means for the next call.
 *
 * Atlassian Cloud runs three limits at once (its "rate limiting" page): a points-based hourly
 * quota (`RateLimit-Reason: jira-quota-tenant-based` for one site, `...-global-based` for
 * the app across every site), per-second request limits (`jira-burst-based`, one site, one
 * endpoint) and per-issue write limits (`jira-per-issue-on-write`). Every answer may carry
 * `X-RateLimit-Remaining`, `X-RateLimit-NearLimit: true` and `X-RateLimit-Reset`; a 429 carries
 * `Retry-After`. The OAuth app's quota is shared by every tenant of this service, so:
 *
 * - while a site (or, for a global reason, the app) is in a penalty window after a 429, new
 *   calls there are answered 429 by the service itself, without calling: each extra call
 *   would only extend Atlassian's penalty, and on the global quota it would spend the other
 *   tenants' share;
 * - while a site is near its limit, its new calls are spaced out (the site's tenant slows
 *   first); when the app as a whole is near its limit, every site's calls are;
 * - a per-issue write limit holds back only the retry of that call (the caller's retry rules
 *   already do), not the site.
 *
 * Pure: times are milliseconds given by the caller, so a test drives it with a clock.
 */

/** The rate-limit facts of one Atlassian answer, as read from its headers. */
export interface RateLimitSignal {
  readonly status: number;
  readonly remaining?: number;
  readonly nearLimit?: boolean;
  /** Epoch ms of `X-RateLimit-Reset`. */
  readonly resetAt?: number;
  readonly reason?: string;
  /** Seconds of `Retry-After`. */
  readonly retryAfterSeconds?: number;
}

export type Admission =
  | { readonly go: true; readonly delayMs: number }
  | { readonly go: false; readonly retryAfterSeconds: number; readonly scope: 'site' | 'app' };

export interface BudgetSettings {
  /** Gap between two calls to a site near its limit. */
  readonly nearLimitSpacingMs: number;
  /** How long a near-limit signal holds when the answer gives no reset time. */
  readonly nearLimitHoldMs: number;
  /** A penalty without Retry-After or reset time. */
  readonly defaultPenaltyMs: number;
  /** The longest a call is held back before it is answered 429 instead. */
  readonly maxDelayMs: number;
}

export const DEFAULT_BUDGET_SETTINGS: BudgetSettings = {
  nearLimitSpacingMs: 250,
  nearLimitHoldMs: 60_000,
  defaultPenaltyMs: 60_000,
  maxDelayMs: 5_000,
};

interface SiteState {
  remaining?: number;
  reason?: string;
  nearUntil: number;
  penaltyUntil: number;
  /** When the current penalty began (a call sent after it that succeeds ends it early). */
  penaltySince: number;
  /** When the next call to this site may go while it is slowed. */
  nextSlot: number;
  lastSeen: number;
}

/** What GET / and the metrics show: counts and times, never which sites (tenants) they are. */
export interface BudgetSnapshot {
  readonly app: { readonly near_limit: boolean; readonly penalty_until: string | null };
  readonly sites_tracked: number;
  readonly sites_near_limit: number;
  readonly sites_in_penalty: number;
  /** The smallest `X-RateLimit-Remaining` any tracked site reported last; null when none did. */
  readonly lowest_remaining: number | null;
}

const GLOBAL_REASON = /global/i;
const PER_ISSUE_REASON = /per-issue/i;
/** Sites not heard from for this long are forgotten, so the map stays bounded by activity. */
const FORGET_AFTER_MS = 2 * 60 * 60 * 1000;

export class UpstreamBudget {
  private readonly sites = new Map<string, SiteState>();
  private appNearUntil = 0;
  private appPenaltyUntil = 0;
  private appPenaltySince = 0;
  private sweptAt = 0;

  constructor(private readonly settings: BudgetSettings = DEFAULT_BUDGET_SETTINGS) {}

  /**
   * Whether a new call to `site` may go now, after a delay, or must be answered 429 at once.
   * `shared` is true for calls on the OAuth app's quota (the app-wide state applies to them).
   */
  admit(site: string, shared: boolean, now: number): Admission {
    const state = this.sites.get(site);
    const appPenalty = shared && this.appPenaltyUntil > now;
    const sitePenalty = state !== undefined && state.penaltyUntil > now;
    if (appPenalty || sitePenalty) {
      const until = Math.max(appPenalty ? this.appPenaltyUntil : 0, sitePenalty ? state.penaltyUntil : 0);
      return {
        go: false,
        retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
        scope: appPenalty ? 'app' : 'site',
      };
    }
    const slowed = (state !== undefined && state.nearUntil > now) || (shared && this.appNearUntil > now);
    if (!slowed) return { go: true, delayMs: 0 };
    const s = state ?? this.stateOf(site, now);
    const slot = Math.max(now, s.nextSlot);
    const delayMs = slot - now;
    if (delayMs > this.settings.maxDelayMs) {
      return { go: false, retryAfterSeconds: Math.max(1, Math.ceil(delayMs / 1000)), scope: 'site' };
    }
    s.nextSlot = slot + this.settings.nearLimitSpacingMs;
    return { go: true, delayMs };
  }

  /**
   * Takes in what one answer said; `sentAt` is when its request left. A call sent after a
   * penalty began that Atlassian served shows the penalty is over.
   */
  observe(site: string, shared: boolean, signal: RateLimitSignal, now: number, sentAt: number = now): void {
    if (signal.status < 400) {
      const known = this.sites.get(site);
      if (known && known.penaltyUntil > now && sentAt >= known.penaltySince) known.penaltyUntil = 0;
      if (shared && this.appPenaltyUntil > now && sentAt >= this.appPenaltySince) this.appPenaltyUntil = 0;
    }
    const hasNews =
      signal.status === 429 ||
      signal.nearLimit !== undefined ||
      signal.remaining !== undefined ||
      signal.reason !== undefined;
    if (!hasNews) return;
    const s = this.stateOf(site, now);
    s.lastSeen = now;
    if (signal.remaining !== undefined) s.remaining = signal.remaining;
    if (signal.reason !== undefined) s.reason = signal.reason;
    const global = shared && signal.reason !== undefined && GLOBAL_REASON.test(signal.reason);
    const resetAt = signal.resetAt !== undefined && signal.resetAt > now ? signal.resetAt : undefined;
    if (signal.status === 429) {
      if (signal.reason !== undefined && PER_ISSUE_REASON.test(signal.reason)) return;
      const until =
        signal.retryAfterSeconds !== undefined
          ? now + signal.retryAfterSeconds * 1000
          : (resetAt ?? now + this.settings.defaultPenaltyMs);
      if (global) {
        if (this.appPenaltyUntil <= now) this.appPenaltySince = now;
        this.appPenaltyUntil = Math.max(this.appPenaltyUntil, until);
      } else {
        if (s.penaltyUntil <= now) s.penaltySince = now;
        s.penaltyUntil = Math.max(s.penaltyUntil, until);
      }
      return;
    }
    if (signal.nearLimit === true) {
      const until = resetAt ?? now + this.settings.nearLimitHoldMs;
      if (global) this.appNearUntil = Math.max(this.appNearUntil, until);
      else s.nearUntil = Math.max(s.nearUntil, until);
    } else if (signal.nearLimit === false) {
      // Atlassian says the site is clear again.
      if (global) this.appNearUntil = 0;
      else s.nearUntil = 0;
    }
  }

  /**
   * Whether background work (the pollers of issue 14) should leave `site` alone now: it is
   * in a penalty after a 429, or near its limit (or, for `shared`, the app is). Reads only.
   */
  isHeld(site: string, shared: boolean, now: number): boolean {
    const s = this.sites.get(site);
    if (s !== undefined && (s.penaltyUntil > now || s.nearUntil > now)) return true;
    return shared && (this.appPenaltyUntil > now || this.appNearUntil > now);
  }

  snapshot(now: number): BudgetSnapshot {
    this.sweep(now);
    let near = 0;
    let penalty = 0;
    let lowest: number | null = null;
    for (const s of this.sites.values()) {
      if (s.nearUntil > now) near++;
      if (s.penaltyUntil > now) penalty++;
      if (s.remaining !== undefined && (lowest === null || s.remaining < lowest)) lowest = s.remaining;
    }
    return {
      app: {
        near_limit: this.appNearUntil > now,
        penalty_until: this.appPenaltyUntil > now ? new Date(this.appPenaltyUntil).toISOString() : null,
      },
      sites_tracked: this.sites.size,
      sites_near_limit: near,
      sites_in_penalty: penalty,
      lowest_remaining: lowest,
    };
  }

  private stateOf(site: string, now: number): SiteState {
    this.sweep(now);
    let s = this.sites.get(site);
    if (!s) {
      s = { nearUntil: 0, penaltyUntil: 0, penaltySince: 0, nextSlot: 0, lastSeen: now };
      this.sites.set(site, s);
    }
    return s;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [site, s] of this.sites) {
      if (now - s.lastSeen > FORGET_AFTER_MS && s.penaltyUntil <= now && s.nearUntil <= now) this.sites.delete(site);
    }
  }
}

/**
 * Whose limits a call counts against: the product and cloud id behind the API gateway (Jira's
 * and Confluence's limits are separate), or the base URL of a token connection. Only calls
 * through the gateway are on the OAuth app's shared quota.
 */
export const siteKeyOf = (baseUrl: string): { readonly site: string; readonly shared: boolean } => {
  const gateway = /\/ex\/(jira|confluence)\/([^/?#]+)/.exec(baseUrl);
  if (gateway?.[1] && gateway[2]) return { site: `${gateway[1]}:${gateway[2]}`, shared: true };
  return { site: baseUrl.replace(/\/+$/, ''), shared: false };
};
