// The baseline of `node bench/run.mjs issue`: the least a Node service can do for GET
// /connectors/jira/issues/ENG-1 — node:http in, the same two keep-alive upstream calls
// (the issue, its 20 latest comments), JSON.parse, the raw issue and comments out. No
// rendering to Markdown, no framework, no database, no tenant, no log line.
import http from 'node:http';

const upstream = process.env.UPSTREAM_URL;
const cloudId = '11111111-1111-4111-8111-111111111111';
const token = 'bench-access-token';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const getJson = (target) =>
  new Promise((resolve, reject) => {
    const up = http.request(target, { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (ur) => {
      const chunks = [];
      ur.on('data', (c) => chunks.push(c));
      ur.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    up.on('error', reject);
    up.end();
  });

const server = http.createServer((req, res) => {
  const key = /^\/connectors\/jira\/issues\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
  const base = `${upstream}/ex/jira/${cloudId}/rest/api/3/issue/${key}`;
  Promise.all([getJson(`${base}?fields=*all`), getJson(`${base}/comment?startAt=0&maxResults=20&orderBy=-created`)]).then(
    ([issue, comments]) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ ...issue, comments }));
    },
    () => {
      res.writeHead(502);
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, msg: 'listening' })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
