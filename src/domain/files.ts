import type { AppError } from './errors.js';

/**
 * Files moving through the service: an upload is held whole (it is bounded by
 * ATTACHMENT_MAX_BYTES before it gets here); a download is a stream the driver passes on
 * as it arrives, so a 25 MB attachment never sits in memory whole on the REST path.
 */

export interface FileUpload {
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Uint8Array;
}

export interface FileDownload {
  readonly filename: string;
  readonly mediaType: string;
  /** The size in bytes when the upstream said (Content-Length). */
  readonly size: number | undefined;
  /**
   * The bytes as they arrive. It throws a TransferError (never anything else) when the
   * upstream breaks off or sends more than the limit.
   */
  readonly content: AsyncIterable<Uint8Array>;
  /** Drops what is left (the caller will not read it). */
  discard(): void;
}

/** The limits of ATTACHMENT_MAX_BYTES and ATTACHMENT_TOOL_MAX_BYTES. */
export interface FileLimits {
  /** The most a REST download or upload moves. */
  readonly maxBytes: number;
  /** The most a tool moves in either direction (its bytes travel base64 or as text in JSON). */
  readonly toolMaxBytes: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = { maxBytes: 25 * 1024 * 1024, toolMaxBytes: 45 * 1024 };

/** `1.5 MB`, `820 KB`, `12 bytes`: sizes in messages. */
export const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`;

const TEXT_TYPES = /^(text\/[\w.+-]+|application\/(json|xml|yaml|x-yaml|javascript|x-sh|sql|graphql|x-ndjson|csv)|application\/[\w.-]+\+(json|xml))$/i;

/** Media types whose bytes an agent reads as text (when they are valid UTF-8). */
export const isTextMediaType = (mediaType: string): boolean => TEXT_TYPES.test(mediaType.split(';')[0]?.trim() ?? '');

/** A file name safe for Content-Disposition and Atlassian: no path, no control characters, 1-255 characters. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const SAFE_FILENAME = /^[^\\/\u0000-\u001f\u007f]{1,255}$/;

/** A media type as RFC 6838 spells it (type/subtype, optional parameters). */
export const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** What a download's stream throws: the AppError a caller would be answered with. */
export class TransferError extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'TransferError';
  }
}
