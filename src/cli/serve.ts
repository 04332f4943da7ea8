/** `integration-backend serve` and `npm start`: decode the configuration, compose, listen on PORT. */
import * as E from 'fp-ts/lib/Either.js';
import { loadConfig } from '../composition/config.js';
import { createService } from '../composition/container.js';

export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  if (E.isLeft(config)) {
    process.stderr.write(`integration-backend: ${config.left}\n`);
    process.exit(1);
  }
  try {
    const service = await createService(config.right);
    const log = service.adapters.pino;
    const { url } = await service.listen();
    log.info({ url }, 'integration-backend listening');
    let stopping = false;
    const shutdown = (signal: 'SIGINT' | 'SIGTERM'): void => {
      if (stopping) {
        // A second signal, of either kind, during the grace period: stop now, as a signal would.
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      log.info({ signal, grace_seconds: config.right.shutdownGraceSeconds }, 'shutting down: finishing requests in flight');
      void service
        .shutdown()
        .then(() => log.info({}, 'stopped'))
        .finally(() => process.exit(0));
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  } catch (err) {
    process.stderr.write(`integration-backend: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
