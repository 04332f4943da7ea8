/** missingRequiredFields: which required fields a create's values leave out, from the create metadata alone. */
import { describe, expect, it } from 'vitest';
import { missingRequiredFields, type FieldMeta } from '../../src/domain/jira-create-meta.js';

/** A create-screen field (Object Mother): optional, without a default, unless told. */
const field = (field_id: string, over: Partial<FieldMeta> = {}): FieldMeta => ({
  field_id,
  name: field_id.replace(/^./, (c) => c.toUpperCase()),
  required: false,
  has_default_value: false,
  schema: { type: 'string', items: null, system: field_id, custom: null },
  operations: ['set'],
  allowed_values: null,
  ...over,
});

const SCREEN = [
  field('summary', { required: true }),
  field('issuetype', { required: true }),
  field('project', { required: true }),
  field('reporter', { required: true, has_default_value: true }),
  field('customfield_10030', { name: 'Severity', required: true }),
  field('labels', { schema: { type: 'array', items: 'string', system: 'labels', custom: null } }),
];

describe('missingRequiredFields', () => {
  it('names the required fields without a default that the values do not give, in the screen order', () => {
    expect(missingRequiredFields(SCREEN, { summary: 'x', project: { key: 'OPS' } })).toEqual([
      { field_id: 'issuetype', name: 'Issuetype' },
      { field_id: 'customfield_10030', name: 'Severity' },
    ]);
  });

  it('is empty when every required field is given, whatever the optional ones', () => {
    expect(missingRequiredFields(SCREEN, { summary: 'x', project: { key: 'OPS' }, issuetype: { id: '1' }, customfield_10030: { id: '10100' } })).toEqual([]);
  });

  it('does not ask for a required field Jira fills in by default (the reporter)', () => {
    expect(missingRequiredFields([field('reporter', { required: true, has_default_value: true })], {})).toEqual([]);
  });

  it.each([
    ['null', null],
    ['blank text', '   '],
    ['an empty list', []],
    ['undefined', undefined],
  ])('counts %s as not given', (_what, value) => {
    expect(missingRequiredFields([field('summary', { required: true })], { summary: value })).toEqual([{ field_id: 'summary', name: 'Summary' }]);
  });

  it.each([
    ['zero', 0],
    ['false', false],
    ['an object', { id: '1' }],
    ['a list with a value', ['a']],
  ])('counts %s as given', (_what, value) => {
    expect(missingRequiredFields([field('customfield_1', { required: true })], { customfield_1: value })).toEqual([]);
  });

  it('reads only the values\' own keys (not inherited ones such as constructor)', () => {
    expect(missingRequiredFields([field('constructor', { required: true })], {})).toEqual([{ field_id: 'constructor', name: 'Constructor' }]);
  });
});
