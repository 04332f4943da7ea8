// Copied to dist/bundle/main.mjs by scripts/bundle.mjs: what `npm start` runs. Starts the
// service from its bundle with the code cache (load-service.mjs).
import { loadService } from './load-service.mjs';

// The build sets this to write the cache of a start (everything run until the service
// listens) and stop; see scripts/bundle.mjs.
const writing = process.env.INTEGRATION_BACKEND_WRITE_CODE_CACHE === '1';
const service = loadService({ useCache: !writing });
await service.exports.serve(process.env);
if (writing) {
  service.writeCache();
  process.exit(0);
}
