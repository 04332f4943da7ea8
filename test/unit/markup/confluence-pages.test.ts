/**
 * Confluence pages as they are written in the wild: storage documents with layouts, panels,
 * code, Jira issue macros, page and user links, images, tables and task lists. Read as
 * Markdown (what confluence_get_page answers), what a Markdown round trip loses (named in
 * docs/markup.md), and appending, which splices into the storage text and keeps everything.
 */
import { describe, expect, it } from 'vitest';
import { markdownToStorage, storageToMarkdown } from '../../../src/domain/markup/index.js';
import { headingsOf, insertIntoStorage, visibleText } from '../../../src/domain/storage-insert.js';

const RUNBOOK = [
  '<ac:layout><ac:layout-section ac:type="two_equal" ac:breakout-mode="default">',
  '<ac:layout-cell><h1>Payments runbook</h1>',
  '<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="a1b2"><ac:parameter ac:name="title">Before you start</ac:parameter><ac:rich-text-body><p>Check the <strong>status page</strong> first.</p></ac:rich-text-body></ac:structured-macro>',
  '<p>Owner: <ac:link><ri:user ri:account-id="5b10ac8d82e05b22cc7d4ef5" /></ac:link>, see <ac:link><ri:page ri:content-title="On-call rota" ri:space-key="OPS" /><ac:plain-text-link-body><![CDATA[the rota]]></ac:plain-text-link-body></ac:link>.</p>',
  '</ac:layout-cell><ac:layout-cell>',
  '<ac:structured-macro ac:name="jira" ac:schema-version="1"><ac:parameter ac:name="server">System JIRA</ac:parameter><ac:parameter ac:name="key">PAY-42</ac:parameter></ac:structured-macro>',
  '<ac:image ac:alt="Flow" ac:height="250"><ri:attachment ri:filename="flow.png" /></ac:image>',
  '</ac:layout-cell></ac:layout-section>',
  '<ac:layout-section ac:type="single"><ac:layout-cell>',
  '<h2>Steps</h2>',
  '<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Page the <em>payments</em> on-call</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Freeze deploys</ac:task-body></ac:task></ac:task-list>',
  '<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:parameter ac:name="title">Drain</ac:parameter><ac:plain-text-body><![CDATA[kubectl drain node-1 --ignore-daemonsets && echo "<h2>done</h2>"]]></ac:plain-text-body></ac:structured-macro>',
  '<table data-layout="default"><colgroup><col style="width: 200px;" /><col /></colgroup><tbody><tr><th><p>Service</p></th><th><p>Contact</p></th></tr><tr><td><p>Ledger</p></td><td><p><a href="https://example.com/ledger">#ledger</a></p></td></tr><tr><td colspan="2"><p>Escalate after 15&nbsp;min</p></td></tr></tbody></table>',
  '<h2>After &amp; later</h2>',
  '<ac:structured-macro ac:name="warning" ac:schema-version="1"><ac:rich-text-body><p>Never restart the <code>ledger-db</code> primary.</p></ac:rich-text-body></ac:structured-macro>',
  '<ac:structured-macro ac:name="status" ac:schema-version="1"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">Reviewed</ac:parameter></ac:structured-macro>',
  '<ac:structured-macro ac:name="toc" ac:schema-version="1"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>',
  '</ac:layout-cell></ac:layout-section></ac:layout>',
].join('');

describe('a real-looking page body in Markdown', () => {
  it('keeps the text, headings, panels, links, the Jira key, the image, tasks, code and the table', () => {
    expect(storageToMarkdown(RUNBOOK)).toBe(
      [
        '# Payments runbook',
        '',
        '> **Info: Before you start** Check the **status page** first.',
        '',
        'Owner: @5b10ac8d82e05b22cc7d4ef5, see [the rota](On-call%20rota).',
        '',
        'PAY-42![Flow](flow.png)',
        '',
        '## Steps',
        '',
        '- [x] Page the *payments* on-call',
        '- [ ] Freeze deploys',
        '',
        '```bash',
        'kubectl drain node-1 --ignore-daemonsets && echo "<h2>done</h2>"',
        '```',
        '',
        '| Service | Contact |',
        '| - | - |',
        '| Ledger | [#ledger](https://example.com/ledger) |',
        '| Escalate after 15\u00a0min | |',
        '',
        '## After & later',
        '',
        '> **Warning:** Never restart the `ledger-db` primary.',
        '',
        '\\[REVIEWED]',
        '',
      ].join('\n'),
    );
  });

  it('loses, written back from Markdown, what docs/markup.md names: layouts, macro kinds and parameters, link targets, image sizes, the toc', () => {
    const back = markdownToStorage(storageToMarkdown(RUNBOOK));
    for (const lost of ['ac:layout', 'ac:name="info"', 'ac:name="warning"', 'ac:name="jira"', 'ac:name="status"', 'ac:name="toc"', 'ri:user', 'ri:page', 'ri:attachment', 'ac:height', 'colspan', '<colgroup>', 'ac:parameter ac:name="title"']) {
      expect(back, lost).not.toContain(lost);
    }
    // ...while what Markdown can hold survives.
    for (const kept of ['<h1>Payments runbook</h1>', '<ac:task-status>complete</ac:task-status>', 'ac:name="code"', '<![CDATA[kubectl drain', '<th>Service</th>', '<code>ledger-db</code>']) {
      expect(back, kept).toContain(kept);
    }
  });
});

describe('appending into storage (confluence_append_to_page)', () => {
  it('finds headings by their visible text, entities decoded, not inside CDATA', () => {
    expect(headingsOf(RUNBOOK).map((h) => [h.level, h.text])).toEqual([
      [1, 'Payments runbook'],
      [2, 'Steps'],
      [2, 'After & later'],
    ]);
    expect(visibleText('<strong>A</strong>&nbsp;&lt;b&gt; &#x41;&#66;')).toBe('A <b> AB');
  });

  it('adds at the end, leaving every byte before it as it was', () => {
    const out = insertIntoStorage(RUNBOOK, '<p>new</p>');
    expect(out).toBe(`${RUNBOOK}<p>new</p>`);
  });

  it('adds at the end of a section: before the next heading of its level, inside the same layout cell', () => {
    const steps = insertIntoStorage(RUNBOOK, '<p>new</p>', 'steps')!;
    expect(steps.replace('<p>new</p>', '')).toBe(RUNBOOK);
    expect(steps.indexOf('<p>new</p>')).toBe(RUNBOOK.indexOf('<h2>After &amp; later</h2>'));
    // The last section of a cell ends where the cell ends, not after the layout.
    const last = insertIntoStorage(RUNBOOK, '<p>new</p>', 'After & later')!;
    expect(last.replace('<p>new</p>', '')).toBe(RUNBOOK);
    expect(last.indexOf('<p>new</p>')).toBe(RUNBOOK.indexOf('</ac:layout-cell></ac:layout-section></ac:layout>'));
    // A top-level heading's section runs to the end of its cell too.
    const title = insertIntoStorage(RUNBOOK, '<p>new</p>', 'Payments runbook')!;
    expect(title.indexOf('<p>new</p>')).toBe(RUNBOOK.indexOf('</ac:layout-cell><ac:layout-cell>'));
  });

  it('a deeper heading does not end the section; an unknown heading is undefined', () => {
    const doc = '<h2>A</h2><p>a</p><h3>A.1</h3><p>b</p><h2>B</h2>';
    expect(insertIntoStorage(doc, '<p>x</p>', 'A')).toBe('<h2>A</h2><p>a</p><h3>A.1</h3><p>b</p><p>x</p><h2>B</h2>');
    expect(insertIntoStorage(doc, '<p>x</p>', 'A.1')).toBe('<h2>A</h2><p>a</p><h3>A.1</h3><p>b</p><p>x</p><h2>B</h2>');
    expect(insertIntoStorage(doc, '<p>x</p>', 'C')).toBeUndefined();
    expect(insertIntoStorage('<p>code:</p><ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[<h2>C</h2>]]></ac:plain-text-body></ac:structured-macro>', '<p>x</p>', 'C')).toBeUndefined();
  });
});
