import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { allowsProject, allowsSpace, NO_FILTER, projectOfIssueKey, restrictCql, restrictJql, splitOrderBy } from '../../src/domain/scope-filter.js';

const OPS = { keys: ['OPS', 'WEB'] };
const jql = (q: string) => {
  const r = restrictJql(OPS, q);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('JIRA_PROJECTS_FILTER and CONFLUENCE_SPACES_FILTER', () => {
  it('leave queries alone without a filter', () => {
    expect(restrictJql(NO_FILTER, 'x) OR (y')).toEqual(E.right('x) OR (y'));
    expect(allowsProject(NO_FILTER, 'ANY')).toBe(true);
  });

  it('put the filter in front of the caller JQL, keeping its ORDER BY at the end', () => {
    expect(jql('assignee = currentUser() ORDER BY updated DESC')).toBe(
      'project in ("OPS", "WEB") AND (assignee = currentUser()) ORDER BY updated DESC',
    );
    expect(jql('order by created')).toBe('project in ("OPS", "WEB") order by created');
    expect(jql('text ~ "x"')).toBe('project in ("OPS", "WEB") AND (text ~ "x")');
  });

  it('do not take ORDER BY inside a string or parentheses for the sort clause', () => {
    expect(splitOrderBy('summary ~ "order by me" ORDER BY key')).toEqual({ where: 'summary ~ "order by me"', orderBy: 'ORDER BY key' });
    expect(splitOrderBy("summary ~ 'a \\' order by b'")).toEqual({ where: "summary ~ 'a \\' order by b'", orderBy: '' });
    expect(splitOrderBy('reorder by x')).toEqual({ where: 'reorder by x', orderBy: '' });
  });

  it('refuse a query whose parentheses or quotes do not balance, so it cannot escape the filter', () => {
    for (const hostile of ['x) OR (project = SECRET', 'x = 1) OR project = SECRET ORDER BY key', '(a', 'summary ~ "open', ')(']) {
      const r = restrictJql(OPS, hostile);
      expect(E.isLeft(r) && r.left.code, hostile).toBe('VALIDATION');
    }
    expect(E.isLeft(restrictCql({ keys: ['ENG'] }, 'text ~ "a") OR (space = "HR"'))).toBe(true);
  });

  it('quote the keys as string literals', () => {
    expect(restrictCql({ keys: ['~admin', 'ENG'] }, 'type = page')).toEqual(E.right('space in ("~admin", "ENG") AND (type = page)'));
  });

  it('compare project keys without case, space keys with it, and find the project of an issue key', () => {
    expect(allowsProject(OPS, 'ops')).toBe(true);
    expect(allowsProject(OPS, 'ENG')).toBe(false);
    expect(allowsSpace({ keys: ['ENG'] }, 'eng')).toBe(false);
    expect(projectOfIssueKey('OPS-12')).toBe('OPS');
    expect(projectOfIssueKey('10042')).toBeUndefined();
  });
});
