import { describe, expect, it } from 'vitest';
import { issueRecord } from '../../src/adapters/undici/jira-issue-json.js';
import { AdfRenderCache, cachedRichText } from '../../src/application/jira/rich-text.js';
import { issueRenderer, renderIssue, renderRichText, SUMMARY_FIELDS } from '../../src/domain/jira-issue.js';
import type { TenantId } from '../../src/domain/tenant.js';

const SITE = 'https://acme.atlassian.net';

describe("reading Jira's issue JSON into a record", () => {
  it('sets only the fields the answer carried, each read from its own shape', () => {
    const record = issueRecord({
      id: '10001',
      key: 'ENG-1',
      fields: {
        summary: 'Fix it',
        status: { name: 'In Progress', statusCategory: { name: 'In Progress' } },
        issuetype: { name: 'Bug' },
        assignee: { displayName: 'Mia', accountId: 'acc-1' },
        labels: ['a', 'b'],
        components: [{ name: 'api' }, { id: '3' }, { name: '' }],
        project: { key: 'ENG' },
        customfield_10010: { value: 7 },
      },
    });
    expect(record).toEqual({
      id: '10001',
      key: 'ENG-1',
      summary: 'Fix it',
      status: { name: 'In Progress', category: 'In Progress' },
      issueType: 'Bug',
      assignee: { accountId: 'acc-1', displayName: 'Mia' },
      labels: ['a', 'b'],
      components: ['api'],
      project: 'ENG',
      customFields: { customfield_10010: { value: 7 } },
    });
    expect(record).not.toHaveProperty('reporter');
    expect(record).not.toHaveProperty('description');
  });

  it('reads a field of an unexpected shape as empty and keeps the others', () => {
    const record = issueRecord({
      id: '1',
      key: 'ENG-2',
      fields: {
        summary: 42,
        status: 'Done',
        assignee: { accountId: 'no-name' },
        labels: 'x',
        subtasks: [{ nokey: true }, { key: 'ENG-3' }],
        updated: '2026-11-20T10:15:30.000+0000',
      },
    });
    expect(record).toEqual({
      id: '1',
      key: 'ENG-2',
      summary: null,
      status: null,
      assignee: null,
      labels: [],
      subtasks: [{ key: 'ENG-3', summary: null, status: null }],
      updated: '2026-11-20T10:15:30.000+0000',
    });
  });

  it('an own "__proto__" or inherited key is never read as a field', () => {
    const fields = JSON.parse('{"__proto__": {"summary": "poisoned"}, "updated": null}') as Record<string, unknown>;
    const record = issueRecord({ id: '1', key: 'ENG-4', fields });
    expect(record).toEqual({ id: '1', key: 'ENG-4', updated: null });
  });
});

describe('rendering records in the caller shape', () => {
  it('one renderer for a page answers what renderIssue answers for each record, keys in the documented order', () => {
    const records = [
      issueRecord({
        id: '1',
        key: 'ENG-1',
        fields: {
          summary: 'One',
          updated: null,
          assignee: null,
          status: { name: 'Done' },
          issuetype: { name: 'Task' },
        },
      }),
      issueRecord({ id: '2', key: 'ENG-2', fields: { summary: 'Two' } }),
    ];
    const opts = { siteUrl: SITE, fields: SUMMARY_FIELDS, format: 'markdown' as const };
    const page = records.map(issueRenderer(opts));
    expect(page).toEqual(records.map((r) => renderIssue(r, opts)));
    expect(Object.keys(page[0]!)).toEqual([
      'id',
      'key',
      'url',
      'summary',
      'status',
      'issue_type',
      'assignee',
      'updated',
    ]);
    expect(page[1]).toEqual({
      id: '2',
      key: 'ENG-2',
      url: `${SITE}/browse/ENG-2`,
      summary: 'Two',
      status: null,
      issue_type: null,
      assignee: null,
      updated: null,
    });
  });
});

describe('rich text through the render cache', () => {
  const doc = (text: string) => ({
    type: 'doc',
    version: 1,
    content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
  });

  it('answers what renderRichText answers, and an edited value is rendered anew, never the old Markdown', () => {
    const render = cachedRichText('tenant-a' as TenantId);
    expect(render(doc('first'), 'markdown', 'issue:1')).toBe(renderRichText(doc('first'), 'markdown'));
    expect(render(doc('first'), 'markdown', 'issue:1')).toBe('first\n');
    expect(render(doc('second'), 'markdown', 'issue:1')).toBe('second\n');
    expect(render('h1. Wiki', 'markdown', 'issue:1')).toBe(renderRichText('h1. Wiki', 'markdown'));
  });

  it('a wiki value that reads like an ADF document is rendered as wiki markup, not taken for the cached ADF', () => {
    const render = cachedRichText('tenant-b' as TenantId);
    const adf = doc('from adf');
    expect(render(adf, 'markdown', 'issue:7')).toBe('from adf\n');
    const wiki = JSON.stringify(adf);
    expect(render(wiki, 'markdown', 'issue:7')).toBe(renderRichText(wiki, 'markdown'));
    expect(render(wiki, 'markdown', 'issue:7')).not.toBe('from adf\n');
  });

  it('raw formats and empty values pass through untouched', () => {
    const render = cachedRichText('tenant-c' as TenantId);
    const adf = doc('raw');
    expect(render(adf, 'adf', 'issue:1')).toBe(adf);
    expect(render(null, 'markdown', 'issue:1')).toBeNull();
  });

  describe('the ADF cache', () => {
    const counting = () => {
      const calls: unknown[] = [];
      return { calls, render: (adf: object) => (calls.push(adf), JSON.stringify(adf).length.toString()) };
    };
    const nested = (depth: number, leaf: string): object => {
      let node: object = { type: 'text', text: leaf };
      for (let i = 0; i < depth; i += 1) node = { type: 'paragraph', content: [node] };
      return { type: 'doc', version: 1, content: [node] };
    };

    it('renders a value once while it is unchanged, and again after any node of it changed', () => {
      const { calls, render } = counting();
      const cache = new AdfRenderCache(render);
      cache.get('t\u0000issue:1', nested(5, 'a'));
      cache.get('t\u0000issue:1', nested(5, 'a'));
      expect(calls).toHaveLength(1);
      cache.get('t\u0000issue:1', nested(5, 'b'));
      cache.get('t\u0000issue:1', { ...nested(5, 'b'), extra: true });
      expect(calls).toHaveLength(3);
    });

    it('keeps its own copy: the same object changed in place after a read is rendered anew', () => {
      const { calls, render } = counting();
      const cache = new AdfRenderCache(render);
      const doc = nested(2, 'before') as { content: { content: { content: { text: string }[] }[] }[] };
      const first = cache.get('a', doc);
      doc.content[0]!.content[0]!.content[0]!.text = 'after, longer';
      const second = cache.get('a', doc);
      expect(calls).toHaveLength(2);
      expect(second).not.toBe(first);
    });

    it('keeps at most its entry count, dropping the least recently read', () => {
      const { calls, render } = counting();
      const cache = new AdfRenderCache(render, 2);
      cache.get('a', nested(1, 'a'));
      cache.get('b', nested(1, 'b'));
      cache.get('a', nested(1, 'a')); // a is now the most recent
      cache.get('c', nested(1, 'c')); // b goes
      expect(calls).toHaveLength(3);
      cache.get('a', nested(1, 'a'));
      cache.get('c', nested(1, 'c'));
      expect(calls).toHaveLength(3);
      cache.get('b', nested(1, 'b'));
      expect(calls).toHaveLength(4);
    });

    it('counts a parsed document at several bytes per character of its JSON, and keeps none above a quarter of the budget', () => {
      const { calls, render } = counting();
      const doc = nested(1, 'x'.repeat(1000));
      const json = JSON.stringify(doc).length;
      // Room for a document counted at its JSON length four times over, not at three times it.
      const cache = new AdfRenderCache(render, 100, 4 * json + 100);
      cache.get('a', doc);
      cache.get('a', doc);
      expect(calls).toHaveLength(2);
      const roomy = new AdfRenderCache(render, 100, 4 * (3 * json + 100));
      roomy.get('a', doc);
      roomy.get('a', doc);
      expect(calls).toHaveLength(3);
    });

    it('a value nested deeper than it compares is rendered each time, never answered from another value', () => {
      const { calls, render } = counting();
      const cache = new AdfRenderCache(render);
      cache.get('a', nested(300, 'a'));
      expect(cache.get('a', nested(300, 'b'))).toBe(String(JSON.stringify(nested(300, 'b')).length));
      cache.get('a', nested(300, 'b'));
      expect(calls).toHaveLength(3);
    });
  });
});
