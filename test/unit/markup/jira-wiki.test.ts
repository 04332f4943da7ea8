import { describe, it, expect } from 'vitest';
import { markdownToJiraWiki, escapeWikiText } from '../../../src/domain/markup/jira-wiki.js';

describe('markdownToJiraWiki', () => {
  it('renders empty input as an empty string', () => {
    expect(markdownToJiraWiki('')).toBe('');
  });

  it('renders headings and paragraphs', () => {
    expect(markdownToJiraWiki('# One\n### Three\n\ntext\nmore')).toBe('h1. One\n\nh3. Three\n\ntext more');
  });

  it('renders inline marks', () => {
    expect(markdownToJiraWiki('**b** *i* `c` ~~s~~')).toBe('*b* _i_ {{c}} -s-');
    expect(markdownToJiraWiki('**a *b* c**')).toBe('*a _b_ c*');
  });

  it('renders links', () => {
    expect(markdownToJiraWiki('[the docs](https://x.y/a?b=1) <https://z.w>')).toBe(
      '[the docs|https://x.y/a?b=1] [https://z.w|https://z.w]',
    );
    expect(markdownToJiraWiki('[a|b](https://x.y/p|q)')).toBe('[a\\|b|https://x.y/p%7Cq]');
    expect(markdownToJiraWiki('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
  });

  it('renders nested bullet and numbered lists', () => {
    expect(markdownToJiraWiki('- a\n  - b\n    - c\n- d')).toBe('* a\n** b\n*** c\n* d');
    expect(markdownToJiraWiki('1. a\n   1. b\n   2. c\n2. d')).toBe('# a\n## b\n## c\n# d');
    expect(markdownToJiraWiki('1. a\n   - b')).toBe('# a\n#* b');
  });

  it('renders code blocks', () => {
    expect(markdownToJiraWiki('```ts\nconst a = *b*;\n```')).toBe('{code:ts}\nconst a = *b*;\n{code}');
    expect(markdownToJiraWiki('```\nx\n```')).toBe('{code}\nx\n{code}');
    expect(markdownToJiraWiki('```\n{code}\n```')).toBe('{code}\n{\u200Bcode}\n{code}');
  });

  it('renders quotes, rules and hard breaks', () => {
    expect(markdownToJiraWiki('> quoted')).toBe('bq. quoted');
    expect(markdownToJiraWiki('> a\n>\n> b')).toBe('{quote}\na\n\nb\n{quote}');
    expect(markdownToJiraWiki('***')).toBe('----');
    expect(markdownToJiraWiki('a  \nb')).toBe('a\\\\b');
  });

  it('escapes wiki-special characters in plain text', () => {
    expect(markdownToJiraWiki('a {b} [c] d|e \\*f\\* g\\_h')).toBe('a \\{b\\} \\[c\\] d\\|e \\*f\\* g\\_h');
    expect(markdownToJiraWiki('snake_case_word')).toBe('snake\\_case\\_word');
    expect(markdownToJiraWiki('\\- not a list')).toBe('\\- not a list');
    expect(markdownToJiraWiki('\\# not a list')).toBe('\\# not a list');
    expect(markdownToJiraWiki('h1. not a heading')).toBe('h1\\. not a heading');
    expect(markdownToJiraWiki('well-known a - b -x ^y ~z +w ??cite??')).toBe(
      'well-known a - b \\-x \\^y \\~z \\+w \\?\\?cite\\?\\?',
    );
    expect(markdownToJiraWiki('`{x}`')).toBe('{{\\{x\\}}}');
  });

  it('writes a backslash that would escape markup as an entity', () => {
    expect(escapeWikiText('a\\b', false)).toBe('a\\b');
    expect(escapeWikiText('a\\*', false)).toBe('a&#92;\\*');
    expect(escapeWikiText('a\\', false)).toBe('a&#92;');
  });
});
