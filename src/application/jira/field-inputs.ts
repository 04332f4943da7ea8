/**
 * Codecs of the issue fields that creating and updating an issue both take: a due date,
 * custom field values by id, component names and an account id. Self-contained (no import
 * of operation-inputs.ts, which uses them).
 */
import * as t from 'io-ts';
import { annotate } from '../../domain/json-schema.js';

export const CUSTOM_FIELD = /^customfield_[0-9]{1,12}$/;
export const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A calendar date, YYYY-MM-DD. */
export const date = new t.Type<string, string, unknown>(
  'a date YYYY-MM-DD',
  (u): u is string => typeof u === 'string' && DATE.test(u),
  (u, c) => (typeof u === 'string' && DATE.test(u) ? t.success(u) : t.failure(u, c, 'a date YYYY-MM-DD')),
  t.identity,
);

const isCustomFields = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' &&
  u !== null &&
  !Array.isArray(u) &&
  Object.keys(u).every((k) => CUSTOM_FIELD.test(k)) &&
  Object.keys(u).length <= 50;

/** Custom field values by field id, sent to Jira as given. */
export const customFields = annotate(
  new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
    'custom field values by id',
    isCustomFields,
    (u, c) =>
      isCustomFields(u)
        ? t.success(u)
        : t.failure(u, c, 'an object of at most 50 custom field ids (customfield_10010) and their values'),
    t.identity,
  ),
  {
    type: 'object',
    propertyNames: { pattern: CUSTOM_FIELD.source },
    maxProperties: 50,
    description: 'Custom field values by field id, e.g. {"customfield_10010": "value"}; sent to Jira as given.',
  },
);

const isName = (u: unknown): u is string => typeof u === 'string' && u.trim().length >= 1 && u.length <= 255;

/** Component names of the project. */
export const componentNames = (description: string) =>
  annotate(
    new t.Type<readonly string[], readonly string[], unknown>(
      'component names',
      (u): u is readonly string[] => Array.isArray(u) && u.length <= 50 && u.every(isName),
      (u, c) =>
        Array.isArray(u) && u.length <= 50 && u.every(isName)
          ? t.success(u as readonly string[])
          : t.failure(u, c, 'a list of at most 50 component names'),
      t.identity,
    ),
    { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 50, description },
  );

/** Cloud accountIds (`5b10ac8d82e05b22cc7d4ef5`, `557058:f58131cb-...`), Data Center user keys and names. */
export const ACCOUNT_ID = /^[A-Za-z0-9._@:+-]{1,128}$/;

export const accountId = (description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      'an account id',
      (u): u is string => typeof u === 'string' && ACCOUNT_ID.test(u),
      (u, c) =>
        typeof u === 'string' && ACCOUNT_ID.test(u)
          ? t.success(u)
          : t.failure(u, c, 'an account id (letters, digits, . _ @ : + -)'),
      t.identity,
    ),
    { type: 'string', pattern: ACCOUNT_ID.source, description },
  );
