/**
 * Jira and Confluence values as this service hands them out (the same on every runtime),
 * as io-ts codecs: the operation catalog documents its outputs with their JSON Schemas
 * (OpenAPI responses, MCP output schemas), and the types below are derived from them.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });
const link = (what: string) => annotate(t.string, { format: 'uri', description: `Link to ${what} in the browser.` });

export const Project = t.readonly(
  t.type({
    id: text('The project id.'),
    key: text('The project key, e.g. ENG.'),
    name: text('The project name.'),
    url: link('the project'),
  }),
  'Project',
);
export type Project = t.TypeOf<typeof Project>;

export const IssueSummary = t.readonly(
  t.type({
    id: text('The issue id.'),
    key: text('The issue key, e.g. ENG-42.'),
    summary: text('The one-line summary.'),
    status: nullableText('The status name, e.g. In Progress.'),
    issue_type: nullableText('The issue type name, e.g. Bug.'),
    assignee: nullableText("The assignee's display name; null when unassigned."),
    updated: nullableText('When the issue last changed (Jira timestamp).'),
    url: link('the issue'),
  }),
  'IssueSummary',
);
export type IssueSummary = t.TypeOf<typeof IssueSummary>;

export const CreatedIssue = t.readonly(
  t.type({ id: text('The new issue id.'), key: text('The new issue key, e.g. ENG-43.'), url: link('the new issue') }),
  'CreatedIssue',
);
export type CreatedIssue = t.TypeOf<typeof CreatedIssue>;

export const Space = t.readonly(
  t.type({
    id: text('The space id (what Confluence v2 takes as spaceId).'),
    key: text('The space key, e.g. ENG.'),
    name: text('The space name.'),
    type: text('global or personal.'),
    url: link('the space'),
  }),
  'Space',
);
export type Space = t.TypeOf<typeof Space>;

export const ContentHit = t.readonly(
  t.type({
    id: text('The content id.'),
    title: text('The title, without search highlighting.'),
    type: text('page, blogpost, comment or attachment.'),
    space: nullableText('The key (or name) of the space it is in.'),
    excerpt: text('The matching text, without search highlighting.'),
    url: link('the content'),
  }),
  'ContentHit',
);
export type ContentHit = t.TypeOf<typeof ContentHit>;

export const CreatedPage = t.readonly(
  t.type({ id: text('The new page id.'), title: text('The page title.'), url: link('the new page') }),
  'CreatedPage',
);
export type CreatedPage = t.TypeOf<typeof CreatedPage>;
