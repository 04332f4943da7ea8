import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { Logger } from '../../application/ports/logger.js';

/**
 * Keys whose values never reach the log, at any depth: credentials of every kind,
 * the OAuth code and verifier, cookies and authorization headers.
 */
const SECRET_KEY =
  /(authorization|cookie|password|passwd|secret|token|(^|_)pat$|^pat_|api[_-]?key|credential|private[_-]?key|encryption[_-]?key|code[_-]?verifier|^code$|^state$|signature)/i;

export const REDACTED = '[REDACTED]';

/** Copies `value` with secret-looking keys replaced; bounded in depth so a cycle cannot hang the logger. */
const isFlatAndClean = (value: object): boolean => {
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if ((v !== null && typeof v === 'object') || SECRET_KEY.test(k)) return false;
  }
  return true;
};

export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: value.message };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  // The common case (the request line): flat, no secret-looking key. Nothing to copy.
  if (depth === 0 && isFlatAndClean(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== false ? REDACTED : redactDeep(v, depth + 1, seen);
  }
  return out;
}

export interface LoggerOptions {
  readonly level: string;
  readonly pretty: boolean;
  /** Where lines go; stdout when absent. Tests pass a stream to capture them. */
  readonly destination?: DestinationStream;
}

/**
 * pino-pretty's stream factory when it is installed (a development dependency). It formats
 * in this process rather than in a pino transport's worker thread: a transport is started
 * from files by name, which would keep pino out of the bundle (about 30 files resolved and
 * compiled at every start, docs/performance.md).
 */
const prettyStream = (): ((options: { colorize: boolean; singleLine: boolean }) => DestinationStream) | undefined => {
  try {
    return createRequire(import.meta.url)('pino-pretty') as (options: { colorize: boolean; singleLine: boolean }) => DestinationStream;
  } catch {
    return undefined;
  }
};

export function createPinoLogger(opts: LoggerOptions): Pino {
  const base = {
    level: opts.level,
    base: { service: 'integration-backend' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (obj: Record<string, unknown>) => redactDeep(obj) as Record<string, unknown>,
    },
  };
  if (opts.destination) return pino(base, opts.destination);
  // pino-pretty is a development convenience; a production install without it logs JSON.
  const pretty = opts.pretty ? prettyStream() : undefined;
  if (pretty) return pino(base, pretty({ colorize: true, singleLine: true }));
  return pino(base);
}

/** The core's Logger port over pino. */
export const asLoggerPort = (log: Pino): Logger => ({
  debug: (obj, msg) => log.debug(obj, msg),
  info: (obj, msg) => log.info(obj, msg),
  warn: (obj, msg) => log.warn(obj, msg),
  error: (obj, msg) => log.error(obj, msg),
});
