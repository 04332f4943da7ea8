/**
 * One tuned got instance for every call to Atlassian. Retries are ours (they follow
 * Atlassian's advice and a total budget), redirects are never followed (a token must
 * not travel to another host), and bodies come back as buffers that are parsed once.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import got, { type Got, RequestError, type Response } from 'got';
import { AppError } from '../../domain/errors.js';
import { isPublicAddress } from '../net/dns-site-url-guard.js';

export interface HttpClientOptions {
  readonly timeoutMs: number;
}

export interface AtlassianHttp {
  /** For operator-configured hosts (Atlassian's, or a stand-in the operator chose). */
  readonly trusted: Got;
  /** For hosts a caller supplied: connects only to public addresses (no DNS rebinding). */
  readonly pinned: Got;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** dns.lookup that refuses any answer outside public address space. */
const publicOnlyLookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as dns.LookupAddress[];
    if (list.length === 0 || list.some((a) => !isPublicAddress(a.address))) {
      const refused = Object.assign(new Error(`refused to connect to a non-public address for ${hostname}`), { code: 'ENOTPUBLIC' });
      return callback(refused, '');
    }
    if (options.all) return callback(null, list);
    const first = list[0]!;
    return callback(null, first.address, first.family);
  });
};

export function createAtlassianHttp(opts: HttpClientOptions): AtlassianHttp {
  const agent = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  const trusted = got.extend({
    agent,
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    decompress: true,
    responseType: 'buffer',
    timeout: { request: opts.timeoutMs },
    headers: { accept: 'application/json', 'user-agent': 'integration-backend' },
  });
  const pinnedAgent = {
    http: new http.Agent({ keepAlive: true, lookup: publicOnlyLookup as never }),
    https: new https.Agent({ keepAlive: true, lookup: publicOnlyLookup as never }),
  };
  const pinned = trusted.extend({
    agent: pinnedAgent,
    hooks: {
      // An IP-literal host skips the lookup above, so it is checked here.
      beforeRequest: [
        (options) => {
          const url = options.url instanceof URL ? options.url : undefined;
          const host = url?.hostname.replace(/^\[|\]$/g, '') ?? '';
          if (net.isIP(host) !== 0 && !isPublicAddress(host)) {
            throw Object.assign(new Error('refused to connect to a non-public address'), { code: 'ENOTPUBLIC' });
          }
        },
      ],
    },
  });
  return { trusted, pinned };
}

/** Parses a JSON body once; undefined when it is not JSON. */
export const parseJson = (res: Response<Buffer>): unknown => {
  if (res.body.length === 0) return undefined;
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/** Transport failures: a timeout is a 504, anything else (reset, refused, DNS) a 502. */
export const transportError = (err: unknown, what: string): AppError => {
  if (err instanceof RequestError && (err.code === 'ETIMEDOUT' || err.name === 'TimeoutError')) {
    return AppError.vendor(`Atlassian did not answer ${what} in time.`, { reason: 'upstream_timeout', cause: err });
  }
  if (err instanceof RequestError && err.code === 'ENOTPUBLIC') {
    return AppError.validation('base_url resolves to a non-public address.', { cause: err });
  }
  return AppError.vendor(`Could not reach Atlassian for ${what}.`, { cause: err });
};
