/**
 * Input codecs the issue-changing operations share beyond those of operation-inputs.ts:
 * a yes/no flag (a boolean, or "true"/"false" in a query string), an account id that may
 * be null, an http(s) URL, and Markdown text that becomes ADF or wiki markup.
 */
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { annotate } from '../../domain/json-schema.js';
import { markdownToAdf, type AdfDoc } from '../../domain/markup/adf.js';
import { markdownToJiraWiki } from '../../domain/markup/jira-wiki.js';
import { boundedString } from '../operation-inputs.js';

/** Accepts true/false (tool arguments, JSON bodies) or "true"/"false" (query strings). */
export const flag = (description: string) =>
  annotate(
    new t.Type<boolean, boolean, unknown>(
      'true or false',
      (u): u is boolean => typeof u === 'boolean',
      (u, c) =>
        typeof u === 'boolean'
          ? t.success(u)
          : u === 'true'
            ? t.success(true)
            : u === 'false'
              ? t.success(false)
              : t.failure(u, c, 'true or false'),
      t.identity,
    ),
    { type: 'boolean', description },
  );

/** Cloud accountIds (`5b10ac8d82e05b22cc7d4ef5`, `557058:f58131cb-...`), Data Center user keys and names. */
const ACCOUNT_ID = /^[A-Za-z0-9._@:+-]{1,128}$/;

/** An account id, or null for "nobody". */
export const nullableAccountId = (description: string) =>
  annotate(
    new t.Type<string | null, string | null, unknown>(
      'an account id or null',
      (u): u is string | null => u === null || (typeof u === 'string' && ACCOUNT_ID.test(u)),
      (u, c) =>
        u === null || (typeof u === 'string' && ACCOUNT_ID.test(u))
          ? t.success(u)
          : t.failure(u, c, 'an account id (letters, digits, . _ @ : + -) or null'),
      t.identity,
    ),
    { type: ['string', 'null'], pattern: ACCOUNT_ID.source, description },
  );

const isHttpUrl = (u: unknown): u is string => {
  if (typeof u !== 'string' || u.length > 2000) return false;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/** An absolute http: or https: URL (no javascript:, data: or relative links on an issue). */
export const httpUrl = (description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      'an http(s) URL',
      isHttpUrl,
      (u, c) => (isHttpUrl(u) ? t.success(u) : t.failure(u, c, 'an absolute http(s) URL')),
      t.identity,
    ),
    { type: 'string', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2000, description },
  );

/** Markdown text up to Jira's comment size. */
export const markdown = (name: string, description: string) => boundedString(name, 1, 32_767, description);

/** A caller's Markdown as Jira takes rich text: ADF on Cloud, wiki markup on Data Center. */
export const jiraRichText = (ctx: AccessContext, md: string | undefined): AdfDoc | string | undefined => {
  if (md === undefined || md.trim() === '') return undefined;
  return ctx.flavour === 'cloud' ? markdownToAdf(md) : markdownToJiraWiki(md);
};
