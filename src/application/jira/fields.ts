/** `fields=`: which issue fields an answer carries, by our names or custom field ids. */
import * as t from 'io-ts';
import { ISSUE_FIELD_NAMES, JIRA_FIELDS_OF, type IssueFieldName } from '../../domain/jira-issue.js';
import { annotate } from '../../domain/json-schema.js';

export interface FieldSelection {
  readonly fields: readonly IssueFieldName[];
  /** custom field ids, e.g. customfield_10010 */
  readonly custom: readonly string[];
}

const CUSTOM = /^customfield_[0-9]{1,12}$/;
const KNOWN = new Set<string>(ISSUE_FIELD_NAMES);

const parse = (u: unknown): FieldSelection | string => {
  if (typeof u !== 'string' || u.length > 2000) return 'a comma-separated list of field names';
  const names = [
    ...new Set(
      u
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (names.length === 0) return 'a comma-separated list of field names';
  const unknown = names.filter((n) => !KNOWN.has(n) && !CUSTOM.test(n));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((n) => (n.length > 40 ? `${n.slice(0, 40)}…` : n));
    return `a list of ${ISSUE_FIELD_NAMES.join(', ')} or customfield_<id> (unknown: ${shown.join(', ')})`;
  }
  return {
    fields: names.filter((n): n is IssueFieldName => KNOWN.has(n)),
    custom: names.filter((n) => CUSTOM.test(n)),
  };
};

/** A comma-separated list of issue field names and custom field ids, decoded to a selection. */
export const issueFields = (description: string) =>
  annotate(
    new t.Type<FieldSelection, string, unknown>(
      'issue fields',
      (u): u is FieldSelection => typeof u === 'object' && u !== null && Array.isArray((u as FieldSelection).fields),
      (u, c) => {
        const r = parse(u);
        return typeof r === 'string' ? t.failure(u, c, r) : t.success(r);
      },
      (s) => [...s.fields, ...s.custom].join(','),
    ),
    { type: 'string', maxLength: 2000, description },
  );

/** The Jira field ids to ask for: what our fields are made of, and the custom fields. */
export const jiraFieldsOf = (selection: FieldSelection): string[] => [
  ...new Set([...selection.fields.flatMap((f) => JIRA_FIELDS_OF[f]), ...selection.custom]),
];

export const RichTextFormatCodec = annotate(t.keyof({ markdown: null, adf: null, wiki: null }), {
  description:
    'How rich text comes back: markdown (default), or the raw value: adf (Jira Cloud) or wiki (Jira Data Center).',
});
