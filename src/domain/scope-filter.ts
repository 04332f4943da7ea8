/**
 * JIRA_PROJECTS_FILTER and CONFLUENCE_SPACES_FILTER: an operator's limit on which Jira
 * projects and Confluence spaces the operations may touch. Outside it, an issue or page is
 * answered as if it did not exist; searches get the limit added to their query, safely
 * quoted, whatever the caller's own JQL or CQL says.
 */
import * as E from 'fp-ts/lib/Either.js';
import { AppError } from './errors.js';
import { quoteCqlString, quoteJqlString } from './query-language.js';

/** Keys of the projects (or spaces) allowed; empty means all of them. */
export interface KeyFilter {
  readonly keys: readonly string[];
}

export const NO_FILTER: KeyFilter = { keys: [] };

export const isFiltered = (filter: KeyFilter): boolean => filter.keys.length > 0;

/** Jira project keys compare case-insensitively (Jira stores them upper case). */
export const allowsProject = (filter: KeyFilter, projectKey: string): boolean =>
  !isFiltered(filter) || filter.keys.some((k) => k.toUpperCase() === projectKey.toUpperCase());

/** Confluence space keys are case-sensitive (personal spaces are `~accountId`). */
export const allowsSpace = (filter: KeyFilter, spaceKey: string): boolean => !isFiltered(filter) || filter.keys.includes(spaceKey);

/** The project part of an issue key (`ENG` of `ENG-42`); undefined for a numeric id. */
export const projectOfIssueKey = (issueIdOrKey: string): string | undefined => /^([A-Z][A-Z0-9_]*)-\d+$/i.exec(issueIdOrKey)?.[1]?.toUpperCase();

/**
 * Splits a JQL or CQL query into its condition and its trailing `ORDER BY ...`, looking for
 * the keywords only outside string literals and parentheses, so `summary ~ "order by x"`
 * stays a condition. Undefined when the quotes or parentheses do not balance: wrapped in
 * parentheses, `x) OR (project = OTHER` would escape the filter.
 */
export const splitOrderBy = (query: string): { where: string; orderBy: string } | undefined => {
  let quote: string | undefined;
  let depth = 0;
  let orderAt: number | undefined;
  for (let i = 0; i < query.length; i += 1) {
    const c = query[i]!;
    if (quote !== undefined) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth < 0) return undefined;
    } else if (orderAt === undefined && depth === 0 && (c === 'o' || c === 'O') && (i === 0 || /[\s)]/.test(query[i - 1]!))) {
      if (/^order\s+by\b/i.test(query.slice(i, i + 64))) orderAt = i;
    }
  }
  if (quote !== undefined || depth !== 0) return undefined;
  return orderAt === undefined
    ? { where: query.trim(), orderBy: '' }
    : { where: query.slice(0, orderAt).trim(), orderBy: query.slice(orderAt).trim() };
};

const restrict = (query: string, clause: string, language: 'jql' | 'cql'): E.Either<AppError, string> => {
  const parts = splitOrderBy(query);
  if (!parts) return E.left(AppError.validation(`${language} has unbalanced quotes or parentheses.`));
  const condition = parts.where === '' ? clause : `${clause} AND (${parts.where})`;
  return E.right(parts.orderBy === '' ? condition : `${condition} ${parts.orderBy}`);
};

/** The caller's CQL with `clause` required too: `<clause> AND (<cql>) ORDER BY ...`. */
export const narrowCql = (cql: string, clause: string): E.Either<AppError, string> => restrict(cql, clause, 'cql');

/** The caller's JQL, limited to the filter's projects: `project in ("A", "B") AND (<jql>) ORDER BY ...`. */
export const restrictJql = (filter: KeyFilter, jql: string): E.Either<AppError, string> =>
  isFiltered(filter) ? restrict(jql, `project in (${filter.keys.map(quoteJqlString).join(', ')})`, 'jql') : E.right(jql);

/** The caller's CQL, limited to the filter's spaces: `space in ("A", "B") AND (<cql>) ORDER BY ...`. */
export const restrictCql = (filter: KeyFilter, cql: string): E.Either<AppError, string> =>
  isFiltered(filter) ? restrict(cql, `space in (${filter.keys.map(quoteCqlString).join(', ')})`, 'cql') : E.right(cql);
