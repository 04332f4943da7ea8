import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../../../domain/errors.js';
import type { JsonSchema } from '../../../domain/json-schema.js';
import { json, route, type RouteSpec } from '../route-spec.js';

/** Swagger UI is served from the installed package, so /docs works offline. */
const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>integration-backend API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT_TYPE = 'application/javascript; charset=utf-8';
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export function docsRoutes(document: () => JsonSchema): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document.',
      tags: ['docs'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      responses: { 200: { description: 'The document.', schema: { type: 'object' } } },
      handle: () => TE.right(json(200, document())),
    }),
    route({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'Swagger UI for this API (served locally, no CDN).',
      tags: ['docs'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      responses: { 200: { description: 'The page.', contentType: 'text/html', schema: { type: 'string' } } },
      handle: () => TE.right({ status: 200, raw: { contentType: 'text/html; charset=utf-8', body: PAGE } }),
    }),
    route({
      method: 'get',
      path: '/docs/{asset}',
      operationId: 'docsAsset',
      summary: "Swagger UI's static files.",
      tags: ['docs'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      pathParams: [
        { name: 'asset', description: 'A file of Swagger UI.', schema: { type: 'string', enum: ['init.js', ...Object.keys(ASSETS)] } },
      ],
      responses: {
        200: {
          description: 'The file: a stylesheet, a script or an icon.',
          contentType: [...new Set([INIT_TYPE, ...Object.values(ASSETS)].map((t) => t.split(';')[0]!))],
          schema: { type: 'string' },
        },
        404: { description: 'No such file (NOT_FOUND).' },
      },
      handle: ({ params }) => {
        const name = params['asset'] ?? '';
        if (name === 'init.js') {
          return TE.right({ status: 200, raw: { contentType: INIT_TYPE, body: INIT } });
        }
        const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
        if (!type) return TE.left(AppError.notFound('No such documentation file.'));
        return TE.right({
          status: 200,
          headers: { 'Cache-Control': 'public, max-age=86400' },
          raw: { contentType: type, body: fs.createReadStream(path.join(swaggerDir, name)) },
        });
      },
    }),
  ];
}
