import { describe, it, expect } from 'vitest';
import { markdownToAdf, isAdfDoc, type AdfDoc, type AdfNode } from '../../../src/domain/markup/adf.js';

const text = (value: string, ...marks: AdfNode['marks'][]): AdfNode =>
  marks.length > 0 && marks[0] ? { type: 'text', text: value, marks: marks[0] } : { type: 'text', text: value };
const p = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const doc = (...content: AdfNode[]): AdfDoc => ({ type: 'doc', version: 1, content });
const li = (...content: AdfNode[]): AdfNode => ({ type: 'listItem', content });

describe('markdownToAdf', () => {
  it('gives an empty document for empty or whitespace-only input', () => {
    expect(markdownToAdf('')).toEqual(doc());
    expect(markdownToAdf('   \n\t\n  ')).toEqual(doc());
  });

  it('keeps plain text as one paragraph with the same text', () => {
    expect(markdownToAdf('Hello, world! 2 * 3 = 6 (really).')).toEqual(
      doc(p(text('Hello, world! 2 * 3 = 6 (really).'))),
    );
  });

  it('joins consecutive lines and splits paragraphs on blank lines', () => {
    expect(markdownToAdf('one\ntwo\n\nthree')).toEqual(doc(p(text('one two')), p(text('three'))));
  });

  it('converts headings with their level', () => {
    expect(markdownToAdf('# Title\n###### Small ##')).toEqual(
      doc(
        { type: 'heading', attrs: { level: 1 }, content: [text('Title')] },
        { type: 'heading', attrs: { level: 6 }, content: [text('Small')] },
      ),
    );
    expect(markdownToAdf('#hashtag')).toEqual(doc(p(text('#hashtag'))));
  });

  it('converts bold, italic, code and strike in one line', () => {
    expect(markdownToAdf('a **b** _c_ `d` ~~e~~ __f__ *g*')).toEqual(
      doc(
        p(
          text('a '),
          text('b', [{ type: 'strong' }]),
          text(' '),
          text('c', [{ type: 'em' }]),
          text(' '),
          text('d', [{ type: 'code' }]),
          text(' '),
          text('e', [{ type: 'strike' }]),
          text(' '),
          text('f', [{ type: 'strong' }]),
          text(' '),
          text('g', [{ type: 'em' }]),
        ),
      ),
    );
  });

  it('handles nested emphasis and keeps marks unique', () => {
    expect(markdownToAdf('***x*** **a *b* c**')).toEqual(
      doc(
        p(
          text('x', [{ type: 'strong' }, { type: 'em' }]),
          text(' '),
          text('a ', [{ type: 'strong' }]),
          text('b', [{ type: 'strong' }, { type: 'em' }]),
          text(' c', [{ type: 'strong' }]),
        ),
      ),
    );
    expect(markdownToAdf('*a *b* c*')).toEqual(doc(p(text('a b c', [{ type: 'em' }]))));
  });

  it('drops marks that ADF forbids next to code', () => {
    expect(markdownToAdf('**a `b`**')).toEqual(doc(p(text('a ', [{ type: 'strong' }]), text('b', [{ type: 'code' }]))));
  });

  it('converts links, autolinks and link text with emphasis', () => {
    expect(markdownToAdf('see [the *docs*](https://example.com/a_(b)) or <mailto:x@y.z>')).toEqual(
      doc(
        p(
          text('see '),
          text('the ', [{ type: 'link', attrs: { href: 'https://example.com/a_(b)' } }]),
          text('docs', [{ type: 'link', attrs: { href: 'https://example.com/a_(b)' } }, { type: 'em' }]),
          text(' or '),
          text('mailto:x@y.z', [{ type: 'link', attrs: { href: 'mailto:x@y.z' } }]),
        ),
      ),
    );
    expect(markdownToAdf('[a](http://x.y "Title")')).toEqual(
      doc(p(text('a', [{ type: 'link', attrs: { href: 'http://x.y' } }]))),
    );
  });

  it('keeps javascript:, data: and vbscript: links as their source text, and links any other scheme', () => {
    expect(markdownToAdf('[click](javascript:alert(1))')).toEqual(doc(p(text('[click](javascript:alert(1))'))));
    expect(markdownToAdf('[x](data:text/html,hi) [v](VBScript:x) <javascript:alert(1)>')).toEqual(
      doc(p(text('[x](data:text/html,hi) [v](VBScript:x) <javascript:alert(1)>'))),
    );
    // Only the three script-capable schemes are refused (issue 10): ftp, relative and anchors are links.
    expect(markdownToAdf('[y](ftp://h) [r](/path) [a](#top)')).toEqual(
      doc(
        p(
          text('y', [{ type: 'link', attrs: { href: 'ftp://h' } }]),
          text(' '),
          text('r', [{ type: 'link', attrs: { href: '/path' } }]),
          text(' '),
          text('a', [{ type: 'link', attrs: { href: '#top' } }]),
        ),
      ),
    );
  });

  it('converts a nested bullet list', () => {
    expect(markdownToAdf('- a\n  - b\n    - c\n- d')).toEqual(
      doc({
        type: 'bulletList',
        content: [
          li(p(text('a')), {
            type: 'bulletList',
            content: [li(p(text('b')), { type: 'bulletList', content: [li(p(text('c')))] })],
          }),
          li(p(text('d'))),
        ],
      }),
    );
  });

  it('converts a numbered list keeping its start number', () => {
    expect(markdownToAdf('3. x\n4. y')).toEqual(
      doc({ type: 'orderedList', attrs: { order: 3 }, content: [li(p(text('x'))), li(p(text('y')))] }),
    );
    expect(markdownToAdf('1) a\n2) b')).toEqual(
      doc({ type: 'orderedList', attrs: { order: 1 }, content: [li(p(text('a'))), li(p(text('b')))] }),
    );
  });

  it('accepts *, + and - bullets and nests an ordered list in a bullet list', () => {
    expect(markdownToAdf('* a\n  1. b\n+ c')).toEqual(
      doc(
        {
          type: 'bulletList',
          content: [li(p(text('a')), { type: 'orderedList', attrs: { order: 1 }, content: [li(p(text('b')))] })],
        },
        { type: 'bulletList', content: [li(p(text('c')))] },
      ),
    );
  });

  it('converts a fenced code block with a language, verbatim', () => {
    expect(markdownToAdf('```ts\nconst a = **b**;\n\n  x <y>\n```')).toEqual(
      doc({
        type: 'codeBlock',
        attrs: { language: 'ts' },
        content: [text('const a = **b**;\n\n  x <y>')],
      }),
    );
    expect(markdownToAdf('~~~\n~~~')).toEqual(doc({ type: 'codeBlock', content: [] }));
  });

  it('converts a blockquote', () => {
    expect(markdownToAdf('> quoted **text**\n> more\n\nafter')).toEqual(
      doc(
        { type: 'blockquote', content: [p(text('quoted '), text('text', [{ type: 'strong' }]), text(' more'))] },
        p(text('after')),
      ),
    );
  });

  it('converts a rule and hard breaks', () => {
    expect(markdownToAdf('a  \nb\\\nc\n\n---')).toEqual(
      doc(p(text('a'), { type: 'hardBreak' }, text('b'), { type: 'hardBreak' }, text('c')), { type: 'rule' }),
    );
  });

  it('keeps snake_case_word literal', () => {
    expect(markdownToAdf('use snake_case_word, MAX_VALUE and my_var_ here')).toEqual(
      doc(p(text('use snake_case_word, MAX_VALUE and my_var_ here'))),
    );
  });

  it('honours backslash escapes', () => {
    expect(markdownToAdf('\\*not em\\* \\[x](http://a)')).toEqual(doc(p(text('*not em* [x](http://a)'))));
  });

  it('adapts blocks ADF does not allow inside lists and quotes', () => {
    expect(markdownToAdf('- # h\n-\n- - x\n\n> # q\n> > inner')).toEqual(
      doc(
        {
          type: 'bulletList',
          content: [li(p(text('h'))), li(p()), li(p(), { type: 'bulletList', content: [li(p(text('x')))] })],
        },
        { type: 'blockquote', content: [p(text('q')), p(text('inner'))] },
      ),
    );
  });

  it('always produces documents that pass isAdfDoc', () => {
    for (const md of ['', 'x', '# h\n- a\n  - b\n> q\n```\n```\n---', '`', '**', '[](http://a)', '> - > - x']) {
      expect(isAdfDoc(markdownToAdf(md))).toBe(true);
    }
  });
});

describe('isAdfDoc', () => {
  it('accepts valid documents', () => {
    expect(isAdfDoc({ type: 'doc', version: 1, content: [] })).toBe(true);
    expect(
      isAdfDoc({
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'strong' }] }] }],
      }),
    ).toBe(true);
    expect(isAdfDoc({ type: 'doc', version: 1, content: [{ type: 'rule' }, { type: 'mention', attrs: {} }] })).toBe(
      true,
    );
  });

  it('rejects malformed documents', () => {
    const bad: unknown[] = [
      null,
      'doc',
      [],
      { type: 'doc', version: 2, content: [] },
      { type: 'doc', version: '1', content: [] },
      { type: 'page', version: 1, content: [] },
      { type: 'doc', version: 1 },
      { type: 'doc', version: 1, content: {} },
      { type: 'doc', version: 1, content: ['x'] },
      { type: 'doc', version: 1, content: [null] },
      { type: 'doc', version: 1, content: [{}] },
      { type: 'doc', version: 1, content: [{ type: 1 }] },
      { type: 'doc', version: 1, content: [[{ type: 'rule' }]] },
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: 'x' }] },
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] },
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text' }] }] },
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 5 }] }] },
      { type: 'doc', version: 1, content: [{ type: 'text', text: 'x', marks: {} }] },
      { type: 'doc', version: 1, content: [{ type: 'text', text: 'x', marks: ['strong'] }] },
      { type: 'doc', version: 1, content: [{ type: 'text', text: 'x', marks: [{ type: null }] }] },
    ];
    for (const u of bad) expect(isAdfDoc(u), JSON.stringify(u)).toBe(false);
  });

  it('rejects nesting deeper than 100 and accepts exactly 100', () => {
    const nest = (depth: number): unknown => {
      let node: Record<string, unknown> = { type: 'text', text: 'x' };
      for (let i = 1; i < depth; i++) node = { type: 'blockquote', content: [node] };
      return { type: 'doc', version: 1, content: [node] };
    };
    expect(isAdfDoc(nest(100))).toBe(true);
    expect(isAdfDoc(nest(101))).toBe(false);
    expect(isAdfDoc(nest(100_000))).toBe(false);
  });

  it('rejects more than 100k nodes and cyclic input', () => {
    const many = Array.from({ length: 100_001 }, () => ({ type: 'rule' }));
    expect(isAdfDoc({ type: 'doc', version: 1, content: many })).toBe(false);
    expect(isAdfDoc({ type: 'doc', version: 1, content: many.slice(1) })).toBe(true);
    const cyclic: { type: string; content: unknown[] } = { type: 'paragraph', content: [] };
    cyclic.content.push(cyclic);
    expect(isAdfDoc({ type: 'doc', version: 1, content: [cyclic] })).toBe(false);
  });
});
