// A minimal Confluence Cloud stand-in for the `page` benchmark: one page with a storage body
// of about 100 KB (headings, paragraphs, lists, a table, code, panels, task lists: what real
// pages hold), its ancestors, the pages by id and its space, in the v2 API's shapes, and the
// page with its ancestors and space as one v1 content answer (what the service reads). Kept tiny
// so it is never the bottleneck; every answer is built once.
import http from 'node:http';

const SITE = 'https://acme.atlassian.net';
const block = (i) =>
  `<h2>Section ${i}: rollout of the export pipeline</h2>` +
  `<p>The <strong>export pipeline</strong> moves nightly reports to the <em>archive</em>; see <a href="https://example.com/runbook/${i}">runbook ${i}</a> before changing it. Owners rotate weekly.</p>` +
  '<ul><li><p>Check the dashboard for failed jobs</p></li><li><p>Re-run the job with <code>--resume</code></p></li><li><p>Tell #data-eng when done</p></li></ul>' +
  '<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>Jobs older than 7 days are dropped.</p></ac:rich-text-body></ac:structured-macro>' +
  '<table><tbody><tr><th><p>Step</p></th><th><p>Owner</p></th><th><p>When</p></th></tr><tr><td><p>Freeze</p></td><td><p>Mia</p></td><td><p>Mon</p></td></tr><tr><td><p>Ship</p></td><td><p>Noah</p></td><td><p>Tue</p></td></tr></tbody></table>' +
  `<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[export-run --date 2026-11-${String((i % 28) + 1).padStart(2, '0')} --resume]]></ac:plain-text-body></ac:structured-macro>` +
  `<ac:task-list><ac:task><ac:task-id>${i}</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Review section ${i}</ac:task-body></ac:task></ac:task-list>`;
let storage = '<h1>Export pipeline handbook</h1>';
for (let i = 1; storage.length < 100 * 1024; i += 1) storage += block(i);

const json = (v) => Buffer.from(JSON.stringify(v));
const version = { createdAt: '2026-11-20T10:15:30.000Z', message: 'Weekly update', number: 42, minorEdit: false, authorId: '5b10ac8d82e05b22cc7d4ef5' };
export const PAGE = {
  id: '98311',
  status: 'current',
  title: 'Export pipeline handbook',
  spaceId: '98305',
  parentId: '98310',
  parentType: 'page',
  authorId: '5b10ac8d82e05b22cc7d4ef5',
  createdAt: '2025-03-14T08:30:00.000Z',
  version,
  body: { storage: { representation: 'storage', value: storage } },
  labels: { results: [{ id: '1', name: 'runbook', prefix: 'global' }], meta: { hasMore: false, cursor: '' }, _links: {} },
  _links: { webui: '/spaces/ENG/pages/98311/Export+pipeline+handbook', base: `${SITE}/wiki` },
};
/** The same page as v1 content with the expansions the service asks for (body.storage, version, ancestors, space, metadata.labels). */
export const V1_PAGE = {
  id: '98311',
  type: 'page',
  status: 'current',
  title: PAGE.title,
  space: { id: 98305, key: 'ENG', name: 'Engineering', type: 'global', status: 'current', _expandable: {}, _links: { webui: '/spaces/ENG' } },
  version: { by: { type: 'known', accountId: version.authorId, accountType: 'atlassian', displayName: 'Mia Krystof' }, when: version.createdAt, message: version.message, number: version.number, minorEdit: false },
  ancestors: [{ id: '98310', type: 'page', status: 'current', title: 'Engineering home' }],
  body: { storage: { representation: 'storage', value: storage } },
  metadata: { labels: { results: [{ prefix: 'global', name: 'runbook', id: '1', label: 'runbook' }], start: 0, limit: 200, size: 1, _links: {} } },
  _links: PAGE._links,
};
const answers = [
  [/\/wiki\/rest\/api\/content\/98311(\?|$)/, json(V1_PAGE)],
  [/\/wiki\/api\/v2\/pages\/98311\/ancestors/, json({ results: [{ id: '98310', type: 'page' }], _links: {} })],
  [/\/wiki\/api\/v2\/pages\/98311(\?|$)/, json(PAGE)],
  [/\/wiki\/api\/v2\/pages\?/, json({ results: [{ id: '98310', status: 'current', title: 'Engineering home', spaceId: '98305', version }], _links: {} })],
  [/\/wiki\/api\/v2\/spaces\/98305/, json({ id: '98305', key: 'ENG', name: 'Engineering', type: 'global', status: 'current', homepageId: '98310', _links: { webui: '/spaces/ENG' } })],
];

const server = http.createServer((req, res) => {
  const hit = answers.find(([re]) => re.test(req.url ?? ''));
  if (hit) {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': hit[1].length });
    res.end(hit[1]);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, bytes: storage.length })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
