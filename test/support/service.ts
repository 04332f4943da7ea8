/** Starts the real service on an ephemeral loopback port, with captured log lines. */
import { Writable } from 'node:stream';
import { createPinoLogger } from '../../src/adapters/pino/pino-logger.js';
import { configFrom } from '../../src/composition/config.js';
import { createService, type Overrides, type Service } from '../../src/composition/container.js';
import { unwatchService, watchService } from './api-contract.js';

export interface TestService {
  readonly url: string;
  readonly service: Service;
  /** Every log line written so far, as raw JSON text. */
  readonly logLines: string[];
  readonly logText: () => string;
  close(): Promise<void>;
}

export function captureLog(level = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { lines, log: createPinoLogger({ level, pretty: false, destination }) };
}

export async function startTestService(
  opts: { env?: Record<string, string>; overrides?: Overrides } = {},
): Promise<TestService> {
  const { lines, log } = captureLog();
  const config = configFrom({ INTEGRATION_DB_URL: 'sqlite:///:memory:', ...opts.env });
  const service = await createService(config, { log, ...opts.overrides });
  const { url } = await service.listen(0, '127.0.0.1');
  watchService(url, service.openApiDocument());
  return {
    url,
    service,
    logLines: lines,
    logText: () => lines.join('\n'),
    close: () => {
      unwatchService(url);
      return service.close();
    },
  };
}
