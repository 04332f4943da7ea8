/**
 * Reading Atlassian's formats back to Markdown: ADF (Jira Cloud, Confluence
 * atlas_doc_format), Confluence storage format, Jira wiki markup (Data Center). Atlassian's
 * own nodes get a Markdown rendering; any input, however malformed, gives a bounded string.
 */
import { describe, expect, it } from 'vitest';
import { adfToMarkdown } from '../../../src/domain/markup/adf.js';
import { storageToMarkdown } from '../../../src/domain/markup/confluence-storage.js';
import { jiraWikiToMarkdown } from '../../../src/domain/markup/jira-wiki.js';
import { MARKDOWN_OUTPUT_MAX_LENGTH } from '../../../src/domain/markup/markdown.js';

const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const t = (text: string, ...marks: unknown[]) => (marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text });

describe('adfToMarkdown', () => {
  it('writes the common blocks and marks as Markdown', () => {
    expect(
      adfToMarkdown(
        doc(
          { type: 'heading', attrs: { level: 2 }, content: [t('Title')] },
          p(t('a '), t('b', { type: 'strong' }), t(' '), t('c', { type: 'em' }), t(' '), t('d', { type: 'code' }), t(' '), t('e', { type: 'strike' })),
          p(t('docs', { type: 'link', attrs: { href: 'https://x.y/a' } }), { type: 'hardBreak' }, t('next')),
          { type: 'bulletList', content: [{ type: 'listItem', content: [p(t('one'))] }] },
          { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [p(t('three'))] }] },
          { type: 'codeBlock', attrs: { language: 'ts' }, content: [t('const a = 1;')] },
          { type: 'blockquote', content: [p(t('quoted'))] },
          { type: 'rule' },
        ),
      ),
    ).toBe(
      '## Title\n\na **b** *c* `d` ~~e~~\n\n[docs](https://x.y/a)\\\nnext\n\n- one\n\n3. three\n\n```ts\nconst a = 1;\n```\n\n> quoted\n\n---\n',
    );
  });

  it('renders Atlassian’s own nodes sensibly', () => {
    const md = adfToMarkdown(
      doc(
        p(
          { type: 'mention', attrs: { id: 'abc', text: '@Ada Lovelace' } },
          t(' '),
          { type: 'mention', attrs: { id: 'xyz', text: 'Bob' } },
          t(' '),
          { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } },
          t(' '),
          { type: 'status', attrs: { text: 'In progress', color: 'blue' } },
          t(' due '),
          { type: 'date', attrs: { timestamp: '1700000000000' } },
          t(' see '),
          { type: 'inlineCard', attrs: { url: 'https://x.atlassian.net/browse/K-1' } },
        ),
        { type: 'panel', attrs: { panelType: 'warning' }, content: [p(t('Careful'))] },
        { type: 'expand', attrs: { title: 'More' }, content: [p(t('hidden'))] },
        { type: 'mediaSingle', attrs: { layout: 'center' }, content: [{ type: 'media', attrs: { type: 'external', url: 'https://i/x.png', alt: 'pic' } }] },
        { type: 'mediaGroup', content: [{ type: 'media', attrs: { type: 'file', id: 'f-1', collection: 'c', alt: 'report.pdf' } }] },
        { type: 'blockCard', attrs: { url: 'https://example.com/page' } },
        { type: 'taskList', attrs: { localId: 'l' }, content: [{ type: 'taskItem', attrs: { localId: 'a', state: 'DONE' }, content: [t('shipped')] }] },
        { type: 'someFutureNode', content: [p(t('kept text'))] },
      ),
    );
    expect(md).toBe(
      '@Ada Lovelace @Bob :smile: \\[IN PROGRESS] due 2023-11-14 see <https://x.atlassian.net/browse/K-1>\n\n' +
        '> **Warning:** Careful\n\n**More**\n\nhidden\n\n![pic](https://i/x.png)\n\n![report.pdf](report.pdf)\n\n' +
        '<https://example.com/page>\n\n- [x] shipped\n\nkept text\n',
    );
  });

  it('writes tables as GFM tables, a cell’s blocks joined by <br>', () => {
    const c = (type: string, ...content: unknown[]) => ({ type, content });
    expect(
      adfToMarkdown(
        doc({
          type: 'table',
          content: [
            c('tableRow', c('tableHeader', p(t('h1'))), c('tableHeader', p(t('h2')))),
            c('tableRow', c('tableCell', p(t('a')), p(t('b'))), c('tableCell', p(t('x|y')))),
          ],
        }),
      ),
    ).toBe('| h1 | h2 |\n| - | - |\n| a<br>b | x\\|y |\n');
  });

  it('drops links with a refused scheme but keeps their text', () => {
    expect(adfToMarkdown(doc(p(t('click', { type: 'link', attrs: { href: 'javascript:alert(1)' } }))))).toBe('click\n');
  });

  it('never throws, whatever it is given', () => {
    const cyclic: { type: string; content: unknown[] } = { type: 'paragraph', content: [] };
    cyclic.content.push(cyclic, t('x'));
    const inputs: unknown[] = [
      undefined,
      null,
      42,
      'not json',
      '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"from a JSON string"}]}]}',
      [],
      {},
      { type: 'doc', content: 'x' },
      doc(null, 1, 'x', [], { type: 5 }, { type: 'paragraph', content: [{ type: 'text', text: 7 }, { text: 'y' }] }),
      doc({ type: 'heading', attrs: { level: 99 }, content: [t('h')] }, { type: 'orderedList', attrs: { order: -5 }, content: [{}] }),
      doc({ type: 'date', attrs: { timestamp: 'soon' } }, { type: 'status' }, { type: 'mention' }, { type: 'emoji', attrs: {} }),
      doc(cyclic),
    ];
    for (const u of inputs) expect(typeof adfToMarkdown(u)).toBe('string');
    expect(adfToMarkdown(inputs[4])).toBe('from a JSON string\n');
    expect(adfToMarkdown('not json')).toBe('not json\n');
  });

  it('bounds depth and size: 100,000 nested quotes and a huge document', () => {
    let node: unknown = p(t('deep'));
    for (let i = 0; i < 100_000; i++) node = { type: 'blockquote', content: [node] };
    const deep = adfToMarkdown(doc(node));
    expect(deep).toContain('deep');
    expect(deep.length).toBeLessThan(1000);
    const huge = adfToMarkdown({ type: 'doc', version: 1, content: Array.from({ length: 200_000 }, (_, i) => p(t(`paragraph ${i} `.repeat(2)))) });
    expect(huge.length).toBeLessThanOrEqual(MARKDOWN_OUTPUT_MAX_LENGTH);
    expect(huge.endsWith('…\n')).toBe(true);
  });
});

describe('storageToMarkdown', () => {
  it('writes the common XHTML as Markdown, with HTML entities decoded', () => {
    expect(
      storageToMarkdown(
        '<h1>Title</h1><p>a <strong>b</strong> <em>c</em> <code>d</code> <s>e</s> &nbsp;&rsquo;&amp; <a href="/wiki/x">link</a><br />next</p>' +
          '<ul><li>one<ul><li>two</li></ul></li></ul><ol start="4"><li>four</li></ol><blockquote><p>q</p></blockquote><hr />' +
          '<table><tbody><tr><th>h</th></tr><tr><td>c</td></tr></tbody></table>',
      ),
    ).toBe('# Title\n\na **b** *c* `d` ~~e~~ \u00a0’& [link](/wiki/x)\\\nnext\n\n- one\n  - two\n\n4. four\n\n> q\n\n---\n\n| h |\n| - |\n| c |\n');
  });

  it('renders the macros and ac:/ri: elements', () => {
    const storage =
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">python</ac:parameter><ac:plain-text-body><![CDATA[print("<hi>")]]></ac:plain-text-body></ac:structured-macro>' +
      '<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Note this</ac:parameter><ac:rich-text-body><p>Body</p></ac:rich-text-body></ac:structured-macro>' +
      '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">Open me</ac:parameter><ac:rich-text-body><p>inside</p></ac:rich-text-body></ac:structured-macro>' +
      '<p>Issue <ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">PROJ-42</ac:parameter></ac:structured-macro> is ' +
      '<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">Done</ac:parameter></ac:structured-macro>; see ' +
      '<ac:link><ri:page ri:content-title="Release notes" /></ac:link>, <ac:link><ri:user ri:account-id="557058:abc" /></ac:link>, ' +
      '<ac:link ac:anchor="top"><ac:plain-text-link-body><![CDATA[up]]></ac:plain-text-link-body></ac:link> ' +
      '<ac:emoticon ac:name="smile" /> <time datetime="2024-05-01" /></p>' +
      '<p><ac:image ac:alt="diagram"><ri:url ri:value="https://i/d.png" /></ac:image><ac:image><ri:attachment ri:filename="shot.png" /></ac:image></p>' +
      '<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>ship it</ac:task-body></ac:task>' +
      '<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>tell people</ac:task-body></ac:task></ac:task-list>' +
      '<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>';
    expect(storageToMarkdown(storage)).toBe(
      '```python\nprint("<hi>")\n```\n\n> **Info: Note this** Body\n\n**Open me**\n\ninside\n\n' +
        'Issue PROJ-42 is \\[DONE]; see [Release notes](Release%20notes), @557058:abc, [up](#top) :smile: 2024-05-01\n\n' +
        '![diagram](https://i/d.png)![shot.png](shot.png)\n\n- [x] ship it\n- [ ] tell people\n',
    );
  });

  it('never throws on broken or hostile markup, and bounds depth and size', () => {
    for (const s of ['', '<p>unclosed <strong>bold', '</p></div>]]>&&;&#xFFFFFFF;<', '<![CDATA[x', '<ac:structured-macro>', '\u0000\uD800']) {
      expect(typeof storageToMarkdown(s)).toBe('string');
    }
    expect(storageToMarkdown('<p>unclosed <strong>bold')).toBe('unclosed **bold**\n');
    const deep = storageToMarkdown('<blockquote>'.repeat(100_000) + 'deep');
    expect(deep).toContain('deep');
    const huge = storageToMarkdown('<p>some text here</p>'.repeat(300_000));
    expect(huge.length).toBeLessThanOrEqual(MARKDOWN_OUTPUT_MAX_LENGTH);
  });
});

describe('jiraWikiToMarkdown', () => {
  it('reads the common constructs', () => {
    expect(
      jiraWikiToMarkdown(
        'h1. Title\n\n*bold* _em_ -gone- +ins+ {{mono}} ??cite?? [docs|https://x.y] [~jsmith] !https://i/p.png!\n' +
          'next line\\\\after break\n\n* one\n** nested\n# first\n#* mixed\n\n{code:java}\nint a = *b*;\n{code}\n\n' +
          '{noformat}\nraw _text_\n{noformat}\n\nbq. a quote\n\n{quote}\nlong quote\n{quote}\n\n||h1||h2||\n|c1|[l|https://l.y]|\n\n----\n\n' +
          '{panel:title=Heads up}\ncontent\n{panel}\n\n\\*not bold\\* {color:red}red{color}',
      ),
    ).toBe(
      '# Title\n\n**bold** *em* ~~gone~~ ins `mono` *cite* [docs](https://x.y) @jsmith ![](https://i/p.png) next line\\\nafter break\n\n' +
        '- one\n  - nested\n\n1. first\n   - mixed\n\n```java\nint a = *b*;\n```\n\n```\nraw _text_\n```\n\n> a quote\n\n> long quote\n\n' +
        '| h1 | h2 |\n| - | - |\n| c1 | [l](https://l.y) |\n\n---\n\n> **Panel: Heads up** content\n\n\\*not bold\\* red\n',
    );
  });

  it('stays linear and total on hostile input', () => {
    for (const s of ['*'.repeat(200_000), '*a '.repeat(50_000), '['.repeat(100_000), '{code}'.repeat(20_000), '#'.repeat(10_000) + ' x', '|'.repeat(100_000), '\u0000\uD800']) {
      const md = jiraWikiToMarkdown(s);
      expect(typeof md).toBe('string');
      expect(md.length).toBeLessThanOrEqual(MARKDOWN_OUTPUT_MAX_LENGTH);
    }
    expect(jiraWikiToMarkdown(undefined as unknown as string)).toBe('');
  });
});
