/**
 * The Jira values the service hands out beyond issue summaries and projects, as io-ts
 * codecs (their JSON Schemas document the operations' outputs) and the types derived
 * from them.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });

/** A person in Jira. Cloud names users by accountId only; Data Center by user key. */
export const JiraUser = t.readonly(
  t.type({
    account_id: text('The Jira Cloud accountId (the user key on Data Center): what assigning takes.'),
    display_name: text('The name Jira shows.'),
    email: nullableText('The email address, when the user lets it be seen.'),
    active: annotate(t.boolean, { description: 'False for a deactivated account.' }),
  }),
  'JiraUser',
);
export type JiraUser = t.TypeOf<typeof JiraUser>;
