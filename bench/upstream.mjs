// A minimal Jira stand-in for the benchmark: answers the enhanced JQL search with a
// fixed page of 50 issues in Jira Cloud's shape. Kept tiny so it is never the bottleneck.
import http from 'node:http';
import { commentPage, issue, ISSUE_KEY } from './issue-fixture.mjs';

const SITE = 'https://acme.atlassian.net';
const issues = Array.from({ length: 50 }, (_, i) => ({
  expand: '',
  id: String(20000 + i),
  self: `${SITE}/rest/api/3/issue/${20000 + i}`,
  key: `ENG-${i + 1}`,
  fields: {
    summary: `Fix cache invalidation in the export pipeline (#${i + 1})`,
    status: { self: `${SITE}/rest/api/3/status/3`, description: '', iconUrl: `${SITE}/images/icons/statuses/inprogress.png`, name: ['To Do', 'In Progress', 'Done'][i % 3], id: String(1 + (i % 3)), statusCategory: { self: `${SITE}/rest/api/3/statuscategory/4`, id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' } },
    issuetype: { self: `${SITE}/rest/api/3/issuetype/10001`, id: '10001', description: 'A task.', iconUrl: `${SITE}/images/icons/issuetypes/task.svg`, name: ['Task', 'Bug', 'Story'][i % 3], subtask: false, avatarId: 10318, hierarchyLevel: 0 },
    assignee: i % 4 === 3 ? null : { self: `${SITE}/rest/api/3/user?accountId=5b10a2844c20165700ede21g`, accountId: '5b10a2844c20165700ede21g', emailAddress: 'mia@example.com', avatarUrls: { '48x48': `${SITE}/avatar/48.png` }, displayName: ['Mia Krystof', 'Noah Lindqvist', 'Priya Raman'][i % 3], active: true, timeZone: 'Europe/Berlin', accountType: 'atlassian' },
    updated: new Date(Date.parse('2026-11-20T10:15:30.000Z') - i * 3_600_000).toISOString().replace('Z', '+0000'),
  },
}));
const body = Buffer.from(JSON.stringify({ issues, nextPageToken: 'CAEaAggD', isLast: false }));
// The issue benchmark: one issue with a 20 KB ADF description, and its 20 comments.
const issueBody = Buffer.from(JSON.stringify(issue));
const commentsBody = Buffer.from(JSON.stringify(commentPage));
const issuePath = `/rest/api/3/issue/${ISSUE_KEY}`;

const server = http.createServer((req, res) => {
  const answer = (b) => {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': b.length });
    res.end(b);
  };
  const p = req.url?.split('?')[0] ?? '';
  if (p.endsWith(issuePath)) return answer(issueBody);
  if (p.endsWith(`${issuePath}/comment`)) return answer(commentsBody);
  if (req.url?.includes('/rest/api/3/search/jql')) {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"errorMessages":["not found"],"errors":{}}');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
