// The baseline of the `page` benchmark: the least a Node service can do for
// GET /connectors/confluence/pages/{id} — node:http in, one keep-alive upstream call for the
// page in storage format, its bytes passed back as they came. No conversion, no ancestors,
// no space, no framework, database, tenant or log line.
import http from 'node:http';

const upstream = process.env.UPSTREAM_URL;
const cloudId = '11111111-1111-4111-8111-111111111111';
const token = 'bench-access-token';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const id = /^\/connectors\/confluence\/pages\/(\d+)/.exec(req.url ?? '')?.[1];
  if (!id) {
    res.writeHead(404);
    res.end();
    return;
  }
  const target = new URL(`${upstream}/ex/confluence/${cloudId}/wiki/api/v2/pages/${id}`);
  target.searchParams.set('body-format', 'storage');
  const up = http.request(target, { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => {
      res.writeHead(ur.statusCode ?? 502, { 'content-type': 'application/json; charset=utf-8' });
      res.end(Buffer.concat(chunks));
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
