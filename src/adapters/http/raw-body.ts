/**
 * Reads a request body as its bytes, for the proxy: JSON (checked to be JSON) up to
 * BODY_LIMIT_BYTES, or multipart/form-data (its boundary kept) up to ATTACHMENT_MAX_BYTES.
 * The body is held whole (bounded) so that a request refused with 401 can be sent again
 * after a token refresh; anything else is refused with a message naming the problem.
 */
import type { IncomingMessage } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { AppError } from '../../domain/errors.js';
import { formatBytes } from '../../domain/files.js';
import type { ProxyBody } from '../../domain/proxy.js';

export interface RawBodyLimits {
  /** BODY_LIMIT_BYTES. */
  readonly jsonMaxBytes: number;
  /** ATTACHMENT_MAX_BYTES. */
  readonly multipartMaxBytes: number;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const MULTIPART_TYPE = /^multipart\/form-data\s*;.*\bboundary=/i;

/** True when the request announces a body (a length above zero, or chunked). */
export const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * The body's bytes, at most `max`: a larger one (declared or sent) is `tooLarge`, the rest read
 * and dropped so the answer can still be sent. Events rather than async iteration: leaving a
 * for-await early would destroy the socket, and the caller is owed its 413. A client gone
 * before or while its body arrives is refused too, so the promise always settles.
 */
export function readCapped(req: IncomingMessage, max: number, tooLarge: AppError, what: string): Promise<E.Either<AppError, Buffer>> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      resolve(E.left(tooLarge));
      return;
    }
    const gone = (): void => resolve(E.left(AppError.validation(`${what} could not be read: the client went away.`)));
    if (req.destroyed || req.readableAborted) return gone();
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.resume();
        resolve(E.left(tooLarge));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(E.right(Buffer.concat(chunks))));
    req.once('error', () => resolve(E.left(AppError.validation(`${what} could not be read.`))));
    req.once('aborted', gone);
    // After 'end' this settles nothing more (a promise resolves once).
    req.once('close', () => {
      if (!req.complete) gone();
    });
  });
}

export async function readRawBody(req: IncomingMessage, limits: RawBodyLimits): Promise<E.Either<AppError, ProxyBody | undefined>> {
  if (!hasBody(req)) return E.right(undefined);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return E.left(AppError.validation('The proxy passes on uncompressed bodies only (Content-Encoding).'));
  }
  const contentType = (req.headers['content-type'] ?? '').trim();
  const json = JSON_TYPE.test(contentType);
  if (!json && !MULTIPART_TYPE.test(contentType)) {
    return E.left(
      AppError.validation(`The proxy passes on JSON (application/json) or multipart/form-data bodies (with a boundary), not ${contentType === '' ? 'a body without Content-Type' : JSON.stringify(contentType.slice(0, 80))}.`),
    );
  }
  const max = json ? limits.jsonMaxBytes : limits.multipartMaxBytes;
  const variable = json ? 'BODY_LIMIT_BYTES' : 'ATTACHMENT_MAX_BYTES';
  const tooLarge = AppError.validation(`The request body is larger than the ${formatBytes(max)} the proxy passes on (${variable}).`, { reason: 'payload_too_large' });
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const read = await readCapped(req, max, tooLarge, 'The request body');
  if (E.isLeft(read)) return read;
  const bytes = read.right;
  if (Number.isFinite(declared) && declared !== bytes.length) return E.left(AppError.validation('The request body does not match its Content-Length.'));
  if (json) {
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch {
      return E.left(AppError.validation('The request body is not valid JSON.'));
    }
  }
  return E.right({ contentType, bytes });
}
