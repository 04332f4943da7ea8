// The baseline: the least a Node service can do for GET /connectors/jira/search —
// node:http in, the same JQL quoting, one keep-alive upstream call, JSON.parse, the
// same mapping, JSON out. No framework, no database, no tenant, no log line.
import http from 'node:http';

const upstream = process.env.UPSTREAM_URL;
const cloudId = '11111111-1111-4111-8111-111111111111';
const site = 'https://acme.atlassian.net';
const token = 'bench-access-token';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const FIELDS = 'summary,status,issuetype,assignee,updated';

// eslint-disable-next-line no-control-regex -- control characters are exactly what JQL literals must not carry
const quote = (s) => `"${s.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The proxy route's baseline (`node bench/run.mjs proxy`): the least a pass-through can do,
 * the same upstream call with the token added and the answer piped back as it came.
 */
const passThrough = (req, res) => {
  const rest = req.url.slice('/connectors/jira/proxy'.length);
  const up = http.request(`${upstream}/ex/jira/${cloudId}${rest}`, { agent, method: req.method, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (ur) => {
    const headers = { 'x-upstream-status': String(ur.statusCode) };
    for (const name of ['content-type', 'content-length']) if (ur.headers[name] !== undefined) headers[name] = ur.headers[name];
    res.writeHead(ur.statusCode, headers);
    ur.pipe(res);
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(up);
};

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/connectors/jira/proxy/')) return passThrough(req, res);
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams.get('q') ?? '';
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const jql = `text ~ ${quote(q)} ORDER BY updated DESC`;
  const target = new URL(`${upstream}/ex/jira/${cloudId}/rest/api/3/search/jql`);
  target.searchParams.set('jql', jql);
  target.searchParams.set('maxResults', String(limit));
  target.searchParams.set('fields', FIELDS);
  const up = http.request(target, { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => {
      const page = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const items = page.issues.map((i) => ({
        id: i.id,
        key: i.key,
        summary: i.fields.summary ?? '',
        status: i.fields.status?.name ?? null,
        issue_type: i.fields.issuetype?.name ?? null,
        assignee: i.fields.assignee?.displayName ?? null,
        updated: i.fields.updated ?? null,
        url: `${site}/browse/${encodeURIComponent(i.key)}`,
      }));
      const out = JSON.stringify({ items, next_cursor: page.isLast ? null : Buffer.from(JSON.stringify({ list: 'jira-search', token: page.nextPageToken })).toString('base64url') });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(out);
    });
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  up.end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, msg: 'listening' })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
