import { describe, it, expect } from 'vitest';
import { markdownToStorage } from '../../../src/domain/markup/confluence-storage.js';

describe('markdownToStorage', () => {
  it('renders empty input as an empty string', () => {
    expect(markdownToStorage('')).toBe('');
    expect(markdownToStorage(' \n \n')).toBe('');
  });

  it('renders paragraphs and headings', () => {
    expect(markdownToStorage('Hello\nworld\n\n## Sub')).toBe('<p>Hello world</p><h2>Sub</h2>');
    expect(markdownToStorage('###### six')).toBe('<h6>six</h6>');
  });

  it('renders inline marks and links', () => {
    expect(markdownToStorage('**b** *i* `c` ~~s~~ [l](https://x.y/?a=1&b=2)')).toBe(
      '<p><strong>b</strong> <em>i</em> <code>c</code> <s>s</s> <a href="https://x.y/?a=1&amp;b=2">l</a></p>',
    );
    expect(markdownToStorage('*a **b** c*')).toBe('<p><em>a <strong>b</strong> c</em></p>');
  });

  it('keeps a javascript: link as escaped text', () => {
    expect(markdownToStorage('[x](javascript:alert("hi"))')).toBe('<p>[x](javascript:alert(&quot;hi&quot;))</p>');
  });

  it('renders lists with start and nesting', () => {
    expect(markdownToStorage('- a\n  - b\n- c')).toBe('<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>');
    expect(markdownToStorage('3. x\n4. y')).toBe('<ol start="3"><li>x</li><li>y</li></ol>');
    expect(markdownToStorage('1. x')).toBe('<ol><li>x</li></ol>');
    expect(markdownToStorage('- a\n\n  b')).toBe('<ul><li><p>a</p><p>b</p></li></ul>');
  });

  it('renders code blocks as the code macro', () => {
    expect(markdownToStorage('```ts\nconst a = "<b>";\n```')).toBe(
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">ts</ac:parameter>' +
        '<ac:plain-text-body><![CDATA[const a = "<b>";]]></ac:plain-text-body></ac:structured-macro>',
    );
    expect(markdownToStorage('```\nx\n```')).toBe(
      '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:structured-macro>',
    );
  });

  it('splits ]]> inside code so the CDATA section cannot be closed', () => {
    expect(markdownToStorage('```\na]]>b]]>\n```')).toBe(
      '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]></ac:plain-text-body></ac:structured-macro>',
    );
  });

  it('renders blockquotes, rules and hard breaks', () => {
    expect(markdownToStorage('> a  \n> b\n\n---')).toBe('<blockquote><p>a<br />b</p></blockquote><hr />');
  });

  it('escapes all text and attribute values', () => {
    // Raw HTML is never passed on as markup: its tags go, its text stays (escaped).
    expect(markdownToStorage(`<script>alert('x' & "y")</script>`)).toBe('<p>alert(&#39;x&#39; &amp; &quot;y&quot;)</p>');
    expect(markdownToStorage('a <b onclick="x">bold</b> <img src=x onerror=alert(1)>')).toBe('<p>a bold</p>');
    expect(markdownToStorage('`<b>&`')).toBe('<p><code>&lt;b&gt;&amp;</code></p>');
    expect(markdownToStorage('[a](https://x/"onmouseover=alert(1)//)')).toBe(
      '<p><a href="https://x/&quot;onmouseover=alert(1)//">a</a></p>',
    );
    expect(markdownToStorage('# <img src=x onerror=alert(1)> 5 < 6 & "q"')).toBe('<h1>5 &lt; 6 &amp; &quot;q&quot;</h1>');
  });

  it('replaces characters XML cannot hold', () => {
    expect(markdownToStorage('a\u0001b\uFFFF')).toBe('<p>a\uFFFDb\uFFFD</p>');
    expect(markdownToStorage('\u0002\uD800x\uDC00 🎉')).toBe('<p>\uFFFD\uFFFDx\uFFFD 🎉</p>');
  });
});
