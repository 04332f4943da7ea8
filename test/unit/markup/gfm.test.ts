/**
 * GitHub Flavored Markdown: tables, task lists, strikethrough and autolink literals, each to
 * ADF, storage format and wiki markup, and back to Markdown.
 */
import { describe, expect, it } from 'vitest';
import { adfToMarkdown, markdownToAdf } from '../../../src/domain/markup/adf.js';
import { markdownToStorage, storageToMarkdown } from '../../../src/domain/markup/confluence-storage.js';
import { jiraWikiToMarkdown, markdownToJiraWiki } from '../../../src/domain/markup/jira-wiki.js';
import { storageXmlError, validateAdf } from './spec-support.js';

const t = (text: string, ...marks: unknown[]) => (marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const cell = (type: 'tableHeader' | 'tableCell', ...content: unknown[]) => ({ type, attrs: {}, content: [p(...content)] });

/** Every example's three renderings are valid, and each reads back to the same Markdown. */
function roundTrips(md: string, back: string): void {
  const adf = markdownToAdf(md);
  expect(validateAdf(adf), JSON.stringify(validateAdf.errors)).toBe(true);
  const storage = markdownToStorage(md);
  expect(storageXmlError(storage)).toBeUndefined();
  expect(adfToMarkdown(adf)).toBe(back);
  expect(storageToMarkdown(storage)).toBe(back);
  expect(jiraWikiToMarkdown(markdownToJiraWiki(md))).toBe(back);
  expect(markdownToAdf(back)).toEqual(adf);
}

describe('GFM tables', () => {
  const md = '| Name | Qty |\n| :--- | --: |\n| *apple* | 3 |\n| pear \\| fig | `x` |\n';

  it('become an ADF table with a header row', () => {
    expect(markdownToAdf(md).content).toEqual([
      {
        type: 'table',
        attrs: { isNumberColumnEnabled: false, layout: 'default' },
        content: [
          { type: 'tableRow', content: [cell('tableHeader', t('Name')), cell('tableHeader', t('Qty'))] },
          { type: 'tableRow', content: [cell('tableCell', t('apple', { type: 'em' })), cell('tableCell', t('3'))] },
          { type: 'tableRow', content: [cell('tableCell', t('pear | fig')), cell('tableCell', t('x', { type: 'code' }))] },
        ],
      },
    ]);
  });

  it('become a storage <table> with <th> and a wiki table with || headers', () => {
    expect(markdownToStorage(md)).toBe(
      '<table><tbody><tr><th>Name</th><th>Qty</th></tr><tr><td><em>apple</em></td><td>3</td></tr>' +
        '<tr><td>pear | fig</td><td><code>x</code></td></tr></tbody></table>',
    );
    expect(markdownToJiraWiki(md)).toBe('||Name||Qty||\n|_apple_|3|\n|pear \\| fig|{{x}}|');
  });

  it('read back as GFM tables (column alignment is not kept)', () => {
    roundTrips(md, '| Name | Qty |\n| - | - |\n| *apple* | 3 |\n| pear \\| fig | `x` |\n');
  });
});

describe('GFM task lists', () => {
  const md = '- [ ] todo\n- [x] done\n  - [ ] sub\n';

  it('become an ADF taskList with TODO/DONE items, nested lists as nested taskLists', () => {
    expect(markdownToAdf(md).content).toEqual([
      {
        type: 'taskList',
        attrs: { localId: 'tasks-5' },
        content: [
          { type: 'taskItem', attrs: { localId: 'task-1', state: 'TODO' }, content: [t('todo')] },
          { type: 'taskItem', attrs: { localId: 'task-2', state: 'DONE' }, content: [t('done')] },
          {
            type: 'taskList',
            attrs: { localId: 'tasks-4' },
            content: [{ type: 'taskItem', attrs: { localId: 'task-3', state: 'TODO' }, content: [t('sub')] }],
          },
        ],
      },
    ]);
  });

  it('become ac:task-list in storage and checkbox text in wiki markup', () => {
    expect(markdownToStorage(md)).toBe(
      '<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>todo</ac:task-body></ac:task>' +
        '<ac:task><ac:task-id>2</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>done' +
        '<ac:task-list><ac:task><ac:task-id>3</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>sub</ac:task-body></ac:task></ac:task-list>' +
        '</ac:task-body></ac:task></ac:task-list>',
    );
    expect(markdownToJiraWiki(md)).toBe('* \\[ \\] todo\n* \\[x\\] done\n** \\[ \\] sub');
  });

  it('read back as GFM task lists', () => {
    roundTrips(md, md);
  });

  it('a list mixing tasks and plain items, or a task holding more than a line, keeps [ ] as text in ADF', () => {
    expect(markdownToAdf('- [ ] a\n- b\n').content).toEqual([
      {
        type: 'bulletList',
        content: [
          { type: 'listItem', content: [p(t('[ ] a'))] },
          { type: 'listItem', content: [p(t('b'))] },
        ],
      },
    ]);
    const adf = markdownToAdf('- [x] a\n\n  more\n');
    expect(adf.content).toEqual([{ type: 'bulletList', content: [{ type: 'listItem', content: [p(t('[x] a')), p(t('more'))] }] }]);
    expect(validateAdf(adf)).toBe(true);
  });
});

describe('GFM strikethrough', () => {
  const md = '~~gone~~ and ~~**bold** too~~\n';

  it('becomes the strike mark, <s> and -text-', () => {
    expect(markdownToAdf(md).content).toEqual([
      p(t('gone', { type: 'strike' }), t(' and '), t('bold', { type: 'strong' }, { type: 'strike' }), t(' too', { type: 'strike' })),
    ]);
    expect(markdownToStorage(md)).toBe('<p><s>gone</s> and <s><strong>bold</strong> too</s></p>');
    expect(markdownToJiraWiki(md)).toBe('-gone- and -*bold* too-');
  });

  it('reads back as ~~text~~', () => {
    roundTrips(md, '~~gone~~ and ~~**bold** too~~\n');
  });
});

describe('GFM autolink literals', () => {
  const md = 'see https://example.com/x?y=1, www.example.org or a@b.io.\n';

  it('become links in every format', () => {
    const link = (href: string) => ({ type: 'link', attrs: { href } });
    expect(markdownToAdf(md).content).toEqual([
      p(
        t('see '),
        t('https://example.com/x?y=1', link('https://example.com/x?y=1')),
        t(', '),
        t('www.example.org', link('http://www.example.org')),
        t(' or '),
        t('a@b.io', link('mailto:a@b.io')),
        t('.'),
      ),
    ]);
    expect(markdownToStorage(md)).toBe(
      '<p>see <a href="https://example.com/x?y=1">https://example.com/x?y=1</a>, ' +
        '<a href="http://www.example.org">www.example.org</a> or <a href="mailto:a@b.io">a@b.io</a>.</p>',
    );
    expect(markdownToJiraWiki(md)).toBe(
      'see [https://example.com/x?y=1|https://example.com/x?y=1], [www.example.org|http://www.example.org] or [a@b.io|mailto:a@b.io].',
    );
  });

  it('read back as links', () => {
    roundTrips(md, 'see <https://example.com/x?y=1>, [www.example.org](http://www.example.org) or <a@b.io>.\n');
  });
});
