/**
 * Time logged on a Jira issue (worklogs): the shape the service hands out, what an adapter
 * reads from Jira, and the two inputs Jira is picky about: time in Jira's notation
 * (`1h 30m`) and the start as Jira's timestamp (`2026-12-01T10:00:00.000+0000`).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { renderRichText, type RichTextFormat, type UserRecord } from './jira-issue.js';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });

export const JiraWorklog = t.readonly(
  t.type({
    id: text('The worklog id.'),
    author: nullableText("The display name of who logged the time."),
    author_account_id: nullableText("Their accountId (user key on Data Center)."),
    started: nullableText('When the work started (Jira timestamp).'),
    time_spent: nullableText('The time spent in Jira notation, e.g. "1h 30m".'),
    time_spent_seconds: annotate(t.union([t.number, t.null]), { description: 'The time spent in seconds.' }),
    comment: annotate(t.union([t.string, t.UnknownRecord, t.null]), { description: 'What was done, in Markdown (or the raw value with format=adf or wiki); null when none.' }),
    created: nullableText('When it was logged.'),
    updated: nullableText('When it last changed.'),
  }),
  'JiraWorklog',
);
export type JiraWorklog = t.TypeOf<typeof JiraWorklog>;

/** A worklog as an adapter read it from Jira. */
export interface WorklogRecord {
  readonly id: string;
  readonly author: UserRecord | null;
  readonly started: string | null;
  readonly timeSpent: string | null;
  readonly timeSpentSeconds: number | null;
  /** ADF (Cloud) or wiki markup (Data Center), as Jira answered it. */
  readonly comment: unknown;
  readonly created: string | null;
  readonly updated: string | null;
}

export const renderWorklog = (w: WorklogRecord, format: RichTextFormat): JiraWorklog => ({
  id: w.id,
  author: w.author?.displayName ?? null,
  author_account_id: w.author?.accountId ?? null,
  started: w.started,
  time_spent: w.timeSpent,
  time_spent_seconds: w.timeSpentSeconds,
  comment: renderRichText(w.comment, format),
  created: w.created,
  updated: w.updated,
});

// --- Jira's time notation -------------------------------------------------------------------

const UNITS = ['w', 'd', 'h', 'm'] as const;
/** Jira's defaults (a site can change them): a week of 5 days, a day of 8 hours. */
const UNIT_SECONDS: Readonly<Record<(typeof UNITS)[number], number>> = { w: 5 * 8 * 3600, d: 8 * 3600, h: 3600, m: 60 };
const PART = /^(\d{1,4}(?:\.\d{1,2})?)([wdhm])$/;
/** More than a year of working time is a typo, not a worklog. */
const MAX_SECONDS = 52 * UNIT_SECONDS.w;

export const DURATION_HINT = 'Jira time notation: numbers with units w, d, h, m, largest first, e.g. "1h 30m", "2d", "45m" or "1.5h"';

/**
 * Reads Jira's time notation (`1w 2d 3h 30m`, each unit at most once, largest first): the
 * notation normalized (lower case, single spaces), and its seconds at Jira's default
 * 8-hour day and 5-day week. Left: what is wrong with it.
 */
export const parseJiraDuration = (input: string): E.Either<string, { readonly notation: string; readonly seconds: number }> => {
  const parts = input.trim().toLowerCase().split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > UNITS.length) return E.left(DURATION_HINT);
  let seconds = 0;
  let last = -1;
  for (const part of parts) {
    const m = PART.exec(part);
    if (!m) return E.left(`${DURATION_HINT} (not understood: "${part.slice(0, 20)}")`);
    const unit = UNITS.indexOf(m[2] as (typeof UNITS)[number]);
    if (unit <= last) return E.left(`${DURATION_HINT} (each unit once, largest first)`);
    last = unit;
    seconds += Number(m[1]) * UNIT_SECONDS[UNITS[unit] ?? 'm'];
  }
  if (seconds < 60) return E.left(`${DURATION_HINT}; at least 1m`);
  if (seconds > MAX_SECONDS) return E.left(`${DURATION_HINT}; at most 52w`);
  return E.right({ notation: parts.join(' '), seconds: Math.round(seconds) });
};

// --- Jira's timestamps ----------------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO 8601 date-time with its offset (`2026-12-01T10:00:00Z`, `2026-12-01T10:00+01:00`,
 * `2026-12-01T10:00:00.000+0100`) in Jira's format, `2026-12-01T10:00:00.000+0100`: the
 * same wall time and offset; undefined when it is not one (no offset, or no such day).
 */
export const toJiraTimestamp = (input: string): string | undefined => {
  const m = ISO.exec(input.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', ms = '0', zone = 'Z'] = m;
  const offset = zone === 'Z' ? '+0000' : zone.replace(':', '');
  const millis = ms.padEnd(3, '0');
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${offset.slice(0, 3)}:${offset.slice(3)}`;
  const parsed = new Date(iso);
  // Date rolls 2026-02-30 over into March: a day that does not exist is refused.
  if (Number.isNaN(parsed.getTime()) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(mo) > 12 || Number(d) > 31) return undefined;
  const back = new Date(parsed.getTime() + offsetMinutes(offset) * 60_000);
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${offset}`;
};

const offsetMinutes = (offset: string): number => (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));

/** An instant as Jira writes it, in UTC: `2026-12-01T10:00:00.000+0000`. */
export const jiraTimestampOf = (at: Date): string => at.toISOString().replace('Z', '+0000');
