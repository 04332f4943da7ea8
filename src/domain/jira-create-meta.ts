/**
 * What creating an issue in a project takes, as Jira's create metadata describes it: the
 * issue types a project offers and, for one type, its fields (required or not, allowed
 * values, schema). Also the same field shape for transition screens, and the pure check a
 * create can run before it calls Jira: which required fields its values leave out.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });
const flag = (description: string) => annotate(t.boolean, { description });

/** An issue type a project offers for creating issues. */
export const CreateIssueType = t.readonly(
  t.type({
    id: text('The issue type id: what listing its fields takes (issue_type_id).'),
    name: text('The issue type name, e.g. Bug: what creating an issue takes as issue_type.'),
    subtask: flag('Whether issues of this type are subtasks (they need a parent).'),
    hierarchy_level: annotate(t.union([t.number, t.null]), { description: 'Where the type sits: 0 for standard issues, -1 for subtasks, 1 for epics.' }),
  }),
  'CreateIssueType',
);
export type CreateIssueType = t.TypeOf<typeof CreateIssueType>;

/** One value a field allows (an option, a priority, a component, a version, ...). */
export const AllowedValue = t.readonly(
  t.type({
    id: nullableText('The allowed value id: send {"id": ...} to choose it.'),
    name: nullableText('What Jira shows for the allowed value (its name, or value for options).'),
  }),
  'AllowedValue',
);
export type AllowedValue = t.TypeOf<typeof AllowedValue>;

export const FieldSchema = t.readonly(
  t.type({
    type: text('The kind of value: string, number, array, option, user, priority, date, ...'),
    items: nullableText('For arrays, the kind of each item.'),
    system: nullableText('The system field this is, e.g. priority; null for custom fields.'),
    custom: nullableText('The custom field type key, e.g. com.atlassian.jira.plugin.system.customfieldtypes:select; null for system fields.'),
  }),
  'FieldSchema',
);
export type FieldSchema = t.TypeOf<typeof FieldSchema>;

/** A field of a create (or transition) screen. */
export const FieldMeta = t.readonly(
  t.type({
    field_id: text('The field id to use as the key of a fields object, e.g. priority or customfield_10020.'),
    name: text('The field name Jira shows, e.g. Priority.'),
    required: flag('Whether a value must be given (unless the field has a default).'),
    has_default_value: flag('Whether Jira fills in a value when none is given.'),
    schema: FieldSchema,
    operations: annotate(t.readonlyArray(t.string), { description: 'How the field can be changed: set, add, remove, edit.' }),
    allowed_values: annotate(t.union([t.readonlyArray(AllowedValue), t.null]), {
      description: 'The values the field takes, when it offers a fixed list; null when it takes any value of its kind.',
    }),
  }),
  'FieldMeta',
);
export type FieldMeta = t.TypeOf<typeof FieldMeta>;

/** A value counts as given unless it is absent, null, blank text or an empty list. */
const isGiven = (value: unknown): boolean => {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
};

/**
 * The required fields (without a default) that `values` (a create's fields object, keyed
 * by field id) does not give, in the metadata's order. Empty when the create may go ahead.
 */
export const missingRequiredFields = (
  fields: readonly Pick<FieldMeta, 'field_id' | 'name' | 'required' | 'has_default_value'>[],
  values: Readonly<Record<string, unknown>>,
): Array<{ readonly field_id: string; readonly name: string }> =>
  fields
    .filter((f) => f.required && !f.has_default_value && !isGiven(Object.hasOwn(values, f.field_id) ? values[f.field_id] : undefined))
    .map((f) => ({ field_id: f.field_id, name: f.name }));
