/** Jira's worklog JSON (v3 on Cloud, v2 on Data Center) read into the core's WorklogRecord. */
import * as t from 'io-ts';
import type { WorklogRecord } from '../../domain/jira-worklog.js';
import { nullable } from './codecs.js';
import { userRecord } from './jira-issue-json.js';

const UserJson = t.intersection([t.type({ displayName: t.string }), t.partial({ accountId: t.string, key: t.string, name: t.string })]);

export const WorklogJson = t.intersection([
  t.type({ id: t.string }),
  t.partial({
    author: nullable(UserJson),
    comment: t.unknown,
    started: nullable(t.string),
    timeSpent: nullable(t.string),
    timeSpentSeconds: nullable(t.number),
    created: nullable(t.string),
    updated: nullable(t.string),
  }),
]);

export const WorklogPageJson = t.intersection([
  t.type({ worklogs: t.array(WorklogJson) }),
  t.partial({ startAt: t.number, maxResults: t.number, total: t.number }),
]);

export const worklogRecord = (w: t.TypeOf<typeof WorklogJson>): WorklogRecord => ({
  id: w.id,
  author: userRecord(w.author),
  started: w.started ?? null,
  timeSpent: w.timeSpent ?? null,
  timeSpentSeconds: w.timeSpentSeconds ?? null,
  comment: w.comment ?? null,
  created: w.created ?? null,
  updated: w.updated ?? null,
});
