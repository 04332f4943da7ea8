// The issue of `node bench/run.mjs issue`: ENG-1 in Jira Cloud's v3 shape with a ~20 KB ADF
// description (headings, marked text, links, lists, code, a table), and 20 comments in ADF.
const SITE = 'https://acme.atlassian.net';
const user = (name, id) => ({
  self: `${SITE}/rest/api/3/user?accountId=${id}`,
  accountId: id,
  emailAddress: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`,
  avatarUrls: { '48x48': `${SITE}/avatar/48.png` },
  displayName: name,
  active: true,
  timeZone: 'Europe/Berlin',
  accountType: 'atlassian',
});
const MIA = user('Mia Krystof', '5b10a2844c20165700ede21g');
const NOAH = user('Noah Lindqvist', '5b10ac8d82e05b22cc7d4ef5');
const text = (t, marks) => (marks ? { type: 'text', text: t, marks } : { type: 'text', text: t });
const para = (...content) => ({ type: 'paragraph', content });

/** One section of the description: about 1 KB of ADF. */
const section = (i) => [
  { type: 'heading', attrs: { level: 2 }, content: [text(`Step ${i + 1}: check the export pipeline`)] },
  para(
    text('When the cache is invalidated, the '),
    text('export worker', [{ type: 'strong' }]),
    text(' must re-read the '),
    text('tenant settings', [{ type: 'em' }]),
    text(' before it writes '),
    text('report.csv', [{ type: 'code' }]),
    text('; see '),
    text('the runbook', [{ type: 'link', attrs: { href: `https://docs.example.com/runbook#step-${i + 1}` } }]),
    text('.'),
  ),
  {
    type: 'bulletList',
    content: ['Stop the worker', 'Flush the cache', 'Start the worker again'].map((s) => ({ type: 'listItem', content: [para(text(`${s} (${i + 1})`))] })),
  },
  { type: 'codeBlock', attrs: { language: 'sh' }, content: [text(`kubectl rollout restart deploy/export-worker-${i}\nkubectl logs -f deploy/export-worker-${i}`)] },
];

const description = { type: 'doc', version: 1, content: [] };
for (let i = 0; JSON.stringify(description).length < 20_000; i += 1) description.content.push(...section(i));
description.content.push({
  type: 'table',
  attrs: { isNumberColumnEnabled: false, layout: 'default' },
  content: [['Tenant', 'Rows'], ['acme', '1200'], ['globex', '830']].map((row, r) => ({
    type: 'tableRow',
    content: row.map((cell) => ({ type: r === 0 ? 'tableHeader' : 'tableCell', attrs: {}, content: [para(text(cell))] })),
  })),
});

export const ISSUE_KEY = 'ENG-1';
export const issue = {
  expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
  id: '20000',
  self: `${SITE}/rest/api/3/issue/20000`,
  key: ISSUE_KEY,
  fields: {
    summary: 'Fix cache invalidation in the export pipeline',
    status: { self: `${SITE}/rest/api/3/status/3`, name: 'In Progress', id: '3', statusCategory: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' } },
    issuetype: { self: `${SITE}/rest/api/3/issuetype/10001`, id: '10001', name: 'Bug', subtask: false, hierarchyLevel: 0 },
    priority: { self: `${SITE}/rest/api/3/priority/2`, id: '2', name: 'High' },
    assignee: MIA,
    reporter: NOAH,
    labels: ['export', 'cache'],
    components: [{ self: `${SITE}/rest/api/3/component/1`, id: '1', name: 'Backend' }],
    parent: { id: '19999', key: 'ENG-0', fields: { summary: 'Reliable exports', status: { name: 'In Progress' } } },
    subtasks: [{ id: '20100', key: 'ENG-2', fields: { summary: 'Add a cache metric', status: { name: 'To Do' } } }],
    issuelinks: [{ id: '10300', type: { name: 'Blocks', inward: 'is blocked by', outward: 'blocks' }, outwardIssue: { id: '20200', key: 'ENG-3', fields: { summary: 'Nightly export', status: { name: 'Done' } } } }],
    duedate: '2026-12-24',
    created: '2026-11-02T09:00:00.000+0000',
    updated: '2026-11-20T10:15:30.000+0000',
    description,
    attachment: [{ self: `${SITE}/rest/api/3/attachment/30000`, id: '30000', filename: 'trace.log', author: MIA, created: '2026-11-03T09:00:00.000+0000', size: 48213, mimeType: 'text/plain', content: `${SITE}/rest/api/3/attachment/content/30000` }],
    project: { self: `${SITE}/rest/api/3/project/10000`, id: '10000', key: 'ENG', name: 'Engineering' },
  },
};

const comments = Array.from({ length: 20 }, (_, i) => ({
  self: `${SITE}/rest/api/3/issue/20000/comment/${10200 + i}`,
  id: String(10200 + i),
  author: i % 2 ? NOAH : MIA,
  updateAuthor: i % 2 ? NOAH : MIA,
  body: {
    type: 'doc',
    version: 1,
    content: [
      para(text(`Round ${i + 1}: reproduced on `), text('staging', [{ type: 'strong' }]), text(' after '), text('cache.flush()', [{ type: 'code' }]), text('.')),
      { type: 'bulletList', content: ['worker log attached', 'metrics look normal'].map((s) => ({ type: 'listItem', content: [para(text(s))] })) },
    ],
  },
  created: new Date(Date.parse('2026-11-20T10:00:00.000Z') - i * 3_600_000).toISOString().replace('Z', '+0000'),
  updated: new Date(Date.parse('2026-11-20T10:00:00.000Z') - i * 3_600_000).toISOString().replace('Z', '+0000'),
  jsdPublic: true,
}));
export const commentPage = { startAt: 0, maxResults: 20, total: 20, comments };
