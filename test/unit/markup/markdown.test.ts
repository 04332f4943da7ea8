import { createRequire } from 'node:module';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { isAdfDoc, markdownToAdf, mdastToAdf } from '../../../src/domain/markup/adf.js';
import { markdownToStorage } from '../../../src/domain/markup/confluence-storage.js';
import { convertMarkdown } from '../../../src/domain/markup/index.js';
import { jiraWikiToMdast, markdownToJiraWiki } from '../../../src/domain/markup/jira-wiki.js';
import {
  CHUNK_CHARS,
  MARKDOWN_MAX_DELIMITERS,
  MARKDOWN_MAX_DEPTH,
  isAllowedHref,
  parseMarkdown,
  readMarkdown,
} from '../../../src/domain/markup/markdown.js';
import { visibleAdfText, visibleHtmlText } from './spec-support.js';

const specText = (createRequire(import.meta.url)('commonmark-spec') as { text: string }).text;

const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const t = (text: string, ...marks: unknown[]) => (marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text });
const link = (href: string) => ({ type: 'link', attrs: { href } });

describe('reading Markdown (CommonMark + GFM)', () => {
  it('decodes entities and keeps relative and #anchor links (the shapes the old parser lost)', () => {
    expect(markdownToAdf('AT&amp;T &copy; &#35; [docs](/path/x) [top](#top)').content).toEqual([
      p(t('AT&T © # '), t('docs', link('/path/x')), t(' '), t('top', link('#top'))),
    ]);
  });

  it('reads setext headings and indented code', () => {
    expect(markdownToAdf('Title\n=====\n\nSub\n---\n\n    code  here\n').content).toEqual([
      { type: 'heading', attrs: { level: 1 }, content: [t('Title')] },
      { type: 'heading', attrs: { level: 2 }, content: [t('Sub')] },
      { type: 'codeBlock', content: [t('code  here')] },
    ]);
  });

  it('resolves reference links and keeps autolinks and bare URLs as links', () => {
    expect(markdownToAdf('[a][r] <https://x.y/z> www.example.com\n\n[r]: https://r.example/ "T"').content).toEqual([
      p(
        t('a', link('https://r.example/')),
        t(' '),
        t('https://x.y/z', link('https://x.y/z')),
        t(' '),
        t('www.example.com', link('http://www.example.com')),
      ),
    ]);
  });

  it('drops raw HTML tags, keeps their text and turns <br> into a hard break', () => {
    expect(markdownToAdf('a <span class="x">b</span><br>c <!-- hidden -->').content).toEqual([
      p(t('a b'), { type: 'hardBreak' }, t('c')),
    ]);
    expect(markdownToAdf('<div>\n*kept* &amp; <b>text</b>\n</div>').content).toEqual([p(t('*kept* & text'))]);
  });

  it('makes images external media, and their alt text a link where media cannot stand', () => {
    expect(markdownToAdf('see ![a cat](https://i.example/cat.png) here').content).toEqual([
      p(t('see')),
      {
        type: 'mediaSingle',
        attrs: { layout: 'center' },
        content: [{ type: 'media', attrs: { type: 'external', url: 'https://i.example/cat.png', alt: 'a cat' } }],
      },
      p(t('here')),
    ]);
    expect(markdownToAdf('# ![logo](/l.png)').content).toEqual([
      { type: 'heading', attrs: { level: 1 }, content: [t('logo', link('/l.png'))] },
    ]);
    expect(markdownToStorage('![a "cat"](https://i/c.png)')).toBe(
      '<p><ac:image ac:alt="a &quot;cat&quot;"><ri:url ri:value="https://i/c.png" /></ac:image></p>',
    );
  });

  it('keeps content ADF forbids at a place in an allowed form', () => {
    const adf = markdownToAdf('- # heading\n\n  | a | b |\n  | - | - |\n  | 1 | 2 |\n\n> > inner\n> - [ ] task');
    expect(adf.content).toEqual([
      {
        type: 'bulletList',
        content: [{ type: 'listItem', content: [p(t('heading')), p(t('a | b')), p(t('1 | 2'))] }],
      },
      {
        type: 'blockquote',
        content: [p(t('inner')), { type: 'bulletList', content: [{ type: 'listItem', content: [p(t('[ ] task'))] }] }],
      },
    ]);
  });

  it('refuses only javascript:, data: and vbscript: URLs, however they are disguised', () => {
    for (const ok of ['https://x', '/rel', '#a', 'mailto:a@b', 'ftp://h', 'tel:+1', 'relative/page', '']) {
      expect(isAllowedHref(ok), ok).toBe(true);
    }
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:x', ' java\tscript:x', 'data:text/html,x', 'VBSCRIPT:x', '\u0001javascript:x']) {
      expect(isAllowedHref(bad), bad).toBe(false);
    }
    expect(markdownToAdf('[x](&#106;avascript:alert(1)) ![i](data:image/png;base64,AA)').content).toEqual([
      p(t('[x](&#106;avascript:alert(1)) ![i](data:image/png;base64,AA)')),
    ]);
  });

  it('parses a large document in pieces exactly as it would in one', () => {
    const strip = (tree: unknown): string => JSON.stringify(tree, (k, v: unknown) => (k === 'data' ? undefined : v));
    const lists = '- a\n- b\n\n- c\n  - d\n\n1. x\n2. y\n\n3) z\n\n* s\n\n> q\n>\n> r\n>\n> - l\n\npara [ref]\n\n'.repeat(40) + '[ref]: /r\n';
    for (const doc of [specText, lists]) {
      expect(doc.length).toBeGreaterThan(CHUNK_CHARS);
      const whole = strip(readMarkdown(doc, Number.MAX_SAFE_INTEGER));
      for (const size of [1, 200, CHUNK_CHARS]) expect(strip(readMarkdown(doc, size))).toBe(whole);
    }
  });
});

describe('limits', () => {
  const left = (u: E.Either<{ code: string; message: string }, unknown>): { code: string; message: string } | undefined =>
    E.isLeft(u) ? u.left : undefined;

  it('answers a VALIDATION naming the depth limit, for each format', () => {
    for (const md of ['>'.repeat(100_000) + ' x', '- '.repeat(10_000) + 'x', '> - '.repeat(MARKDOWN_MAX_DEPTH) + 'x']) {
      for (const to of ['adf', 'storage', 'wiki'] as const) {
        expect(left(convertMarkdown(md, to as 'storage'))).toEqual({
          code: 'VALIDATION',
          message: `the Markdown nests deeper than ${MARKDOWN_MAX_DEPTH} levels`,
        });
      }
    }
    expect(E.isRight(convertMarkdown('> - '.repeat(MARKDOWN_MAX_DEPTH / 2) + 'x', 'adf'))).toBe(true);
  });

  it('answers a VALIDATION naming the delimiter limit for a paragraph of a million brackets or stars', () => {
    for (const md of ['['.repeat(100_000), '*a '.repeat(MARKDOWN_MAX_DELIMITERS + 1)]) {
      expect(left(parseMarkdown(md))?.message).toBe(
        `the Markdown has a paragraph with more than ${MARKDOWN_MAX_DELIMITERS} emphasis or link delimiters`,
      );
    }
    expect(E.isRight(parseMarkdown('*a* '.repeat(MARKDOWN_MAX_DELIMITERS / 2)))).toBe(true);
  });

  it('answers a VALIDATION naming the ADF node limit', () => {
    expect(left(convertMarkdown('a\n\n'.repeat(60_000), 'adf'))?.message).toBe('the Markdown converts to more than 100000 ADF nodes');
    expect(E.isRight(convertMarkdown('a\n\n'.repeat(60_000), 'storage'))).toBe(true);
  });
});

describe('hostile input', () => {
  const staircase = Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(2 * i)}- level ${i}`).join('\n');
  const hostile: Record<string, string> = {
    quotes: '>'.repeat(100_000) + ' deep',
    brackets: '['.repeat(100_000),
    starsInText: 'x ' + '*'.repeat(1_000_000) + ' y',
    starRuns: '*'.repeat(50_000) + 'a' + '*'.repeat(50_000),
    bulletLevels: '- '.repeat(10_000) + 'x',
    orderedLevels: '1. '.repeat(10_000) + 'x',
    quoteListLevels: '> - '.repeat(5_000) + 'x',
    staircase,
    emphasisNesting: '*a '.repeat(16_000) + 'a* '.repeat(16_000),
    closers: 'a* '.repeat(33_000),
    linkOpeners: '[a]('.repeat(25_000),
    images: '!['.repeat(16_000) + 'a' + '](x)'.repeat(16_000),
    strikes: '~~a~~ '.repeat(20_000),
    strikeOpeners: '~~a '.repeat(25_000),
    backticks: 'x ' + '`'.repeat(100_000),
    lessThan: '<'.repeat(100_000),
    backslashes: '\\'.repeat(100_000),
    items: '- a\n'.repeat(25_000),
    nul: 'a\u0000b *c\u0000* [\u0000](http://a)',
    surrogates: '\uD800 *\uDC00* [\uDBFF](http://a) 🎉 \uDFFF',
  };

  for (const [name, md] of Object.entries(hostile)) {
    it(`${name}: the three formats finish and agree on the text`, () => {
      const adf = markdownToAdf(md);
      expect(isAdfDoc(adf)).toBe(true);
      const storage = markdownToStorage(md);
      const wiki = markdownToJiraWiki(md);
      const text = visibleAdfText(adf);
      expect(text.length).toBeGreaterThan(0);
      expect(visibleHtmlText(storage)).toBe(text);
      // The wiki markup, read back, shows the same text.
      expect(visibleAdfText(mdastToAdf(jiraWikiToMdast(wiki)))).toBe(text);
      // These assert that hostile input finishes and keeps its text; how fast is the markup
      // benchmark's business, so a loaded CI machine gets a generous bound here.
    }, 90_000);
  }

  it('reads a line of a million stars as a rule, in every format', () => {
    const md = '*'.repeat(1_000_000);
    expect(markdownToAdf(md).content).toEqual([{ type: 'rule' }]);
    expect(markdownToStorage(md)).toBe('<hr />');
    expect(markdownToJiraWiki(md)).toBe('----');
  });

  it('keeps the text of 100k brackets and of stars in prose', () => {
    expect(markdownToAdf('['.repeat(100_000)).content).toEqual([p(t('['.repeat(100_000)))]);
    expect(markdownToAdf('x ' + '*'.repeat(100_000)).content).toEqual([p(t('x ' + '*'.repeat(100_000)))]);
  });

  it('turns NUL and lone surrogates into U+FFFD in every format', () => {
    const md = 'a\u0000b \uD800c\uDC00 🎉';
    expect(markdownToAdf(md).content).toEqual([p(t('a\uFFFDb \uFFFDc\uFFFD 🎉'))]);
    expect(markdownToStorage(md)).toBe('<p>a\uFFFDb \uFFFDc\uFFFD 🎉</p>');
    expect(markdownToJiraWiki(md)).toBe('a\uFFFDb \uFFFDc\uFFFD 🎉');
  });

  it('keeps what is deeper than the limit as text', () => {
    const adf = markdownToAdf('>'.repeat(40) + ' deep');
    let depth = 0;
    let node: { type: string; content?: readonly unknown[] } | undefined = adf.content[0];
    while (node?.type === 'blockquote') {
      depth++;
      node = node.content?.[0] as typeof node;
    }
    expect(depth).toBe(1); // ADF allows no quote in a quote: the levels are lifted
    expect(visibleAdfText(adf)).toBe('>'.repeat(40 - MARKDOWN_MAX_DEPTH) + ' deep');
    expect(readMarkdown(undefined as unknown as string)).toEqual({ type: 'root', children: [] });
  });
});
