/**
 * The direct Markdown writer (`markdown-writer.ts`) answers what `mdast-util-to-markdown`
 * answers, whenever it answers: compared on the trees the readers build from every CommonMark
 * spec example (through ADF, storage format and wiki markup, and the normalised parse itself),
 * on shapes chosen to reach its edges, and on the benchmarks' documents.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import { describe, expect, it } from 'vitest';
import { adfToMdast, markdownToAdf } from '../../../src/domain/markup/adf.js';
import { markdownToStorage, storageToMdast } from '../../../src/domain/markup/confluence-storage.js';
import { jiraWikiToMdast, markdownToJiraWiki } from '../../../src/domain/markup/jira-wiki.js';
import { fastMarkdown } from '../../../src/domain/markup/markdown-writer.js';
import { readMarkdown, serialiseMarkdown } from '../../../src/domain/markup/markdown.js';
// @ts-expect-error: a plain ESM module of the benchmark, without types
import { commentPage, issue } from '../../../bench/issue-fixture.mjs';
import { specExamples } from './spec-support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The benchmark's 100 KB storage body, built the way bench/upstream-confluence.mjs builds it. */
function benchStorage(): string {
  const src = fs.readFileSync(path.join(root, 'bench/upstream-confluence.mjs'), 'utf8');
  const code = /const block = [\s\S]*?;\nlet storage[^\n]*\nfor[^\n]*\n/.exec(src)?.[0];
  if (!code) throw new Error('bench/upstream-confluence.mjs changed shape');
  return (new Function(`${code}; return storage;`) as () => string)();
}

const EDGES = [
  'a *b* c **d** e ~~f~~ g',
  '*a **b** c*',
  'x*y*z and **(a)**b and a**b**',
  '***both*** and **_x_** and *a*b*c*',
  '1. a\n2. b\n\n- c\n- d\n\n- e\n\n* f',
  '3. three\n4. four',
  '| a | b |\n| :- | -: |\n| `x|y` | c \\| d |\n| e |',
  '> q\n>\n> - a\n>   - b\n>\n> > inner',
  '- [ ] a\n- [x] b\n  - [ ] c',
  '- a\n\n  b\n- c\n\n  ---',
  'see [the runbook](https://x.example/a?b=1&c=2#s) now, [x](<a b>), [y](a(b)c), ![alt *x*](p.png)',
  '<https://a.b/c> and <me@example.com> and www.example.com and https://x.y/z',
  'a  \nb\\\nc',
  '# h #\n\n## *x* y\n\n###### six',
  'text with & and &amp; and <b> and < c and 1) and 2. and # and - and + and = and >',
  '- 1. a\n- # b\n- > c',
  '```js\nconst a = `b`;\n```\n\n````\n```\n````\n\n~~~\nx\n~~~',
  'snake_case and a_b_c and _x_ and __y__ and a__b and x_ and _y and *a_b* and **_c_** and a_*b*',
  '`` a`b `` and ` `` ` and `  ` and ` a `',
  '[a]: https://example.com\n\n[a] and [b][a] and ![c][a]',
  'line one\nline two\n\nfoo  \n',
  'www.example.com. and me@x.org, and http://a.b/ c',
  'literal \\* and \\[x\\] and \\~ and \\` and !\\[not an image\\] and a!\\[b and &amp;c and AT&amp;T and \\!',
  '*a \\* b* and **\\*x** and [a \\] b](u) and ![\\[alt\\]](i.png) and `` a ` b ``',
  '| \\* | a \\| b | `|` |\n| - | - | - |\n| x\\` | ! | &amp;y |',
];

function compare(tree: Root): 'fast' | 'fallback' {
  const expected = serialiseMarkdown(structuredClone(tree));
  const got = fastMarkdown(tree);
  if (got === undefined) return 'fallback';
  expect(got).toBe(expected);
  return 'fast';
}

describe('the direct Markdown writer', () => {
  it('writes what mdast-util-to-markdown writes for every spec example, through every reader', () => {
    const counts = { fast: 0, fallback: 0 };
    for (const md of [...specExamples.map((e) => e.markdown), ...EDGES]) {
      counts[compare(readMarkdown(md))]++;
      counts[compare(adfToMdast(markdownToAdf(md)))]++;
      counts[compare(storageToMdast(markdownToStorage(md)))]++;
      counts[compare(jiraWikiToMdast(markdownToJiraWiki(md)))]++;
    }
    // Most documents take the direct path; the rest fall back (and are equal by construction).
    expect(counts.fast).toBeGreaterThan(counts.fallback);
  });

  it('takes the direct path for the benchmarks’ issue, comments and page, with the same answer', () => {
    const { description } = (issue as { fields: { description: unknown } }).fields;
    expect(compare(adfToMdast(description))).toBe('fast');
    for (const c of (commentPage as { comments: { body: unknown }[] }).comments) expect(compare(adfToMdast(c.body))).toBe('fast');
    expect(compare(storageToMdast(benchStorage()))).toBe('fast');
  });

  it('writes what mdast-util-to-markdown writes for random ADF documents (seeded)', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const plain = ['alpha', 'beta gamma', 'one two', 'x.', '(note)', 'a, b', 'c;', 'é', '😀 ok'];
    const odd = ['*', '[', ']', '!', '&', 'A&B', '#', '1.', '1)', '-', '+', '|', '~', '`', '(', ')', '<a', 'x_y', 'www.x', 'e@x.io', ':', '"', '=', '>', '  ', '![', '](', ' x '];
    const marks = (): unknown[] => {
      const m: unknown[] = [];
      for (const type of ['strong', 'em', 'strike', 'code']) if (rnd() < 0.15) m.push({ type });
      if (rnd() < 0.1) m.push({ type: 'link', attrs: { href: pick(['https://x.y/a?b=1&c=2', 'u', 'https://a.b/(c)', 'http://x.y']) } });
      return m;
    };
    const inline = (): unknown[] =>
      Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
        rnd() < 0.08 ? { type: 'hardBreak' } : { type: 'text', text: (rnd() < 0.8 ? pick(plain) : pick(odd)) + (rnd() < 0.5 ? pick([' alpha', 'beta ', '!', '.', ')', '*', '&', '[']) : ''), marks: marks() },
      );
    const block = (d: number): unknown => {
      const r = rnd();
      if (r < 0.4 || d > 2) return { type: 'paragraph', content: inline() };
      if (r < 0.5) return { type: 'heading', attrs: { level: 1 + Math.floor(rnd() * 6) }, content: inline() };
      if (r < 0.65) {
        const items = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ type: 'listItem', content: Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => block(d + 1)) }));
        return { type: pick(['bulletList', 'orderedList']), attrs: { order: pick([1, 3, 0]) }, content: items };
      }
      if (r < 0.72) return { type: 'taskList', content: [{ type: 'taskItem', attrs: { state: pick(['DONE', 'TODO']) }, content: inline() }] };
      if (r < 0.8) return { type: 'blockquote', content: [block(d + 1)] };
      if (r < 0.85) return { type: 'codeBlock', attrs: { language: pick(['js', '', 'c++']) }, content: [{ type: 'text', text: pick(['x', '```', 'a\n\nb']) }] };
      if (r < 0.9) return { type: 'rule' };
      const cell = () => ({ type: 'tableCell', content: [block(9)] });
      return { type: 'table', content: [{ type: 'tableRow', content: [cell(), cell()] }, { type: 'tableRow', content: [cell(), cell()] }] };
    };
    let direct = 0;
    for (let i = 0; i < 1500; i++) {
      const doc = { type: 'doc', version: 1, content: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => block(0)) };
      if (compare(adfToMdast(doc)) === 'fast') direct++;
    }
    expect(direct).toBeGreaterThan(200);
  });

  it('escapes what needs no context itself, and falls back for the rest', () => {
    expect(fastMarkdown(readMarkdown('a \\* b \\[c\\] AT&amp;T'))).toBe('a \\* b \\[c] AT\\&T\n');
    expect(fastMarkdown(readMarkdown('snake_case, a \\_ b, \\_x\\_ and x\\_'))).toBe('snake_case, a \\_ b, \\_x\\_ and x\\_\n');
    expect(fastMarkdown(readMarkdown('a \\\\ b'))).toBeUndefined();
    expect(fastMarkdown(readMarkdown('\\# not a heading'))).toBeUndefined();
  });
});
