import { describe, it, expect } from 'vitest';
import { parseMarkdown, parseInline, inlineEvents, isAllowedHref } from '../../../src/domain/markup/markdown.js';
import { markdownToAdf, isAdfDoc } from '../../../src/domain/markup/adf.js';
import { markdownToStorage } from '../../../src/domain/markup/confluence-storage.js';
import { markdownToJiraWiki } from '../../../src/domain/markup/jira-wiki.js';

describe('parseMarkdown', () => {
  it('parses blocks into the internal AST', () => {
    expect(parseMarkdown('# T\n\npara *x*\n\n- a\n\n```js\ncode\n```\n\n> q\n\n***')).toEqual([
      { type: 'heading', level: 1, content: [{ type: 'text', text: 'T', marks: [] }] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'para ', marks: [] },
          { type: 'text', text: 'x', marks: [{ type: 'em' }] },
        ],
      },
      {
        type: 'bulletList',
        items: [{ content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a', marks: [] }] }] }],
      },
      { type: 'codeBlock', language: 'js', text: 'code' },
      { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'q', marks: [] }] }] },
      { type: 'rule' },
    ]);
  });

  it('keeps an unclosed fence open to the end and ignores an unsafe language', () => {
    expect(parseMarkdown('```<script>\na\n\nb\n')).toEqual([{ type: 'codeBlock', text: 'a\n\nb' }]);
  });

  it('handles CRLF line endings and NUL characters', () => {
    expect(parseMarkdown('a\r\nb\r\n\r\nc\u0000')).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'a b', marks: [] }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'c\uFFFD', marks: [] }] },
    ]);
  });

  it('continues list items across blank lines and indented paragraphs', () => {
    expect(parseMarkdown('1. a\n2. b\n\n   more\n3. c')).toEqual([
      {
        type: 'orderedList',
        start: 1,
        items: [
          { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a', marks: [] }] }] },
          {
            content: [
              { type: 'paragraph', content: [{ type: 'text', text: 'b', marks: [] }] },
              { type: 'paragraph', content: [{ type: 'text', text: 'more', marks: [] }] },
            ],
          },
          { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'c', marks: [] }] }] },
        ],
      },
    ]);
  });

  it('does not let a number other than 1 interrupt a paragraph', () => {
    expect(parseMarkdown('In\n2024. it was')).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'In 2024. it was', marks: [] }] },
    ]);
  });

  it('caps container nesting', () => {
    const blocks = parseMarkdown('>'.repeat(50) + ' deep');
    let depth = 0;
    let node = blocks[0];
    while (node && node.type === 'blockquote') {
      depth++;
      node = node.content[0];
    }
    expect(depth).toBe(16);
    expect(node).toEqual({ type: 'paragraph', content: [{ type: 'text', text: '>'.repeat(34) + ' deep', marks: [] }] });
  });

  it('never throws on odd input', () => {
    expect(parseMarkdown(undefined as unknown as string)).toEqual([]);
    expect(() => parseMarkdown('\uD800 *\uDC00* [\u0000](http://a)')).not.toThrow();
  });
});

describe('parseInline', () => {
  it('parses code spans, stripping one space and keeping backticks inside', () => {
    expect(parseInline('`` a`b ``')).toEqual([{ type: 'text', text: 'a`b', marks: [{ type: 'code' }] }]);
    expect(parseInline('`*not em*`')).toEqual([{ type: 'text', text: '*not em*', marks: [{ type: 'code' }] }]);
    expect(parseInline('`unclosed')).toEqual([{ type: 'text', text: '`unclosed', marks: [] }]);
  });

  it('leaves unmatched delimiters literal', () => {
    expect(parseInline('**open and ~single~ and ~~~three~~~')).toEqual([
      { type: 'text', text: '**open and ~single~ and ~~~three~~~', marks: [] },
    ]);
  });

  it('uses the link text as is and the URL when the text is empty', () => {
    expect(parseInline('[](https://a.b)')).toEqual([
      { type: 'text', text: 'https://a.b', marks: [{ type: 'link', href: 'https://a.b' }] },
    ]);
  });

  it('does not nest links and keeps the image alt text as a link', () => {
    expect(parseInline('[a [b](http://b)](http://a) ![alt](https://i/x.png)')).toEqual([
      { type: 'text', text: '[a ', marks: [] },
      { type: 'text', text: 'b', marks: [{ type: 'link', href: 'http://b' }] },
      { type: 'text', text: '](http://a) ', marks: [] },
      { type: 'text', text: 'alt', marks: [{ type: 'link', href: 'https://i/x.png' }] },
    ]);
  });

  it('does not let emphasis cross a link boundary', () => {
    expect(parseInline('*[a*](http://x)')).toEqual([
      { type: 'text', text: '*', marks: [] },
      { type: 'text', text: 'a*', marks: [{ type: 'link', href: 'http://x' }] },
    ]);
  });

  it('allows only http, https and mailto links', () => {
    expect(isAllowedHref('https://x')).toBe(true);
    expect(isAllowedHref('HTTP://X')).toBe(true);
    expect(isAllowedHref('mailto:a@b')).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:x',
      'data:text/html,x',
      'vbscript:x',
      '//x',
      '/rel',
      'http:x',
      'https://',
      'https://a\u0000b',
    ]) {
      expect(isAllowedHref(bad), bad).toBe(false);
    }
  });
});

describe('inlineEvents', () => {
  it('nests marks properly', () => {
    const kinds = inlineEvents(parseInline('*a **b** c*')).map((e) =>
      e.kind === 'text' ? e.text : e.kind === 'hardBreak' ? 'BR' : `${e.kind}:${e.mark.type}`,
    );
    expect(kinds).toEqual(['open:em', 'a ', 'open:strong', 'b', 'close:strong', ' c', 'close:em']);
  });
});

describe('hostile input', () => {
  const N = 100_000;
  const hostile: Record<string, string> = {
    stars: '*'.repeat(N),
    brackets: '['.repeat(N),
    starWord: '*a'.repeat(N / 2),
    wordStar: 'a*'.repeat(N / 2),
    underscores: '_a'.repeat(N / 2),
    strongOpeners: '**a '.repeat(N / 4),
    emNesting: '*a '.repeat(N / 6) + 'a* '.repeat(N / 6),
    tildes: '~~a'.repeat(N / 3),
    linkOpeners: '[a]('.repeat(N / 4),
    linkDestinations: '[](x'.repeat(N / 4),
    images: '![a](x'.repeat(N / 6),
    parens: '[a](http://x/' + '('.repeat(N),
    titles: '['.repeat(10_000) + '](x "'.repeat(N / 5),
    spaces: '['.repeat(20_000) + '](x'.repeat(20_000) + ' '.repeat(30_000),
    backticks: '`'.repeat(N),
    codeSpans: '`a``'.repeat(N / 4),
    lessThan: '<'.repeat(N),
    autolinks: '<http://a'.repeat(N / 9),
    backslashes: '\\'.repeat(N),
    quotes: '>'.repeat(N),
    listMarkers: '- '.repeat(N / 2),
    hashes: '#'.repeat(N),
    hardBreaks: 'a  \n'.repeat(N / 4),
    fences: '```\n'.repeat(N / 4),
    items: '- a\n'.repeat(N / 4),
    mixed: '**_~~[`<!\\'.repeat(N / 10),
  };
  for (const [name, md] of Object.entries(hostile)) {
    it(`finishes quickly on ${name}`, () => {
      const t0 = performance.now();
      const adf = markdownToAdf(md);
      const elapsed = performance.now() - t0;
      expect(elapsed).toBeLessThan(1000);
      expect(isAdfDoc(adf)).toBe(true);
      expect(adf.content.length).toBeGreaterThan(0);
      expect(typeof markdownToStorage(md)).toBe('string');
      expect(typeof markdownToJiraWiki(md)).toBe('string');
    });
  }

  it('keeps the text of 100k brackets and stars', () => {
    expect(markdownToAdf('['.repeat(N))).toEqual({
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: '['.repeat(N) }] }],
    });
    expect(markdownToAdf('x ' + '*'.repeat(N))).toEqual({
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x ' + '*'.repeat(N) }] }],
    });
  });
});
