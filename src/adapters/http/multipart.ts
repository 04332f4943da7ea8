/**
 * Reads a multipart/form-data request of one file (uploads) with busboy, a well-kept
 * streaming parser: the file is held in memory up to its limit and no further; a second
 * file, a missing one, a broken body or an oversized part is refused with a message naming
 * the problem, and nothing is passed on.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import * as E from 'fp-ts/lib/Either.js';
import { AppError } from '../../domain/errors.js';
import { formatBytes, type FileUpload } from '../../domain/files.js';

export interface MultipartBody {
  readonly fields: Readonly<Record<string, string>>;
  readonly file: FileUpload;
}

export interface MultipartLimits {
  /** The part that holds the file. */
  readonly fileField: string;
  readonly maxFileBytes: number;
  /** Each text field's limit. */
  readonly maxFieldBytes: number;
  readonly maxFields: number;
}

/** A refusal, or the client went away (`aborted`). */
export type MultipartFailure = { readonly error: AppError } | { readonly aborted: true };

const invalid = (message: string): MultipartFailure => ({ error: AppError.validation(message) });

export function readMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<E.Either<MultipartFailure, MultipartBody>> {
  const expected = `The request body must be multipart/form-data with the file in a part named ${limits.fileField}.`;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.resolve(E.left(invalid('A multipart upload must not be compressed (Content-Encoding).')));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { files: 1, fields: limits.maxFields, parts: limits.maxFields + 1, fileSize: limits.maxFileBytes, fieldSize: limits.maxFieldBytes },
    });
  } catch {
    // Not multipart, or no boundary.
    return Promise.resolve(E.left(invalid(expected)));
  }
  return new Promise((resolve) => {
    let settled = false;
    const fields: Record<string, string> = {};
    let file: FileUpload | undefined;
    let pending = 0;
    let ended = false;
    const finish = (outcome: E.Either<MultipartFailure, MultipartBody>): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // What is left of the body is read and dropped (Node does so once the answer is sent).
      req.resume();
      resolve(outcome);
    };
    const fail = (failure: MultipartFailure): void => finish(E.left(failure));
    const maybeDone = (): void => {
      if (!ended || pending > 0 || settled) return;
      if (!file) return fail(invalid(`The request has no file in a part named ${limits.fileField}.`));
      finish(E.right({ fields, file }));
    };

    // busboy hands a part without a name (`Content-Disposition: form-data; name=""`, or none) over as undefined, whatever its types say.
    const nameOf = (name: string | undefined): string => (typeof name === 'string' ? name : '');
    parser.on('file', (rawName, stream, info) => {
      const name = nameOf(rawName);
      if (name !== limits.fileField) {
        // Drained, and its failure heard: a form cut inside this part fails the stream too (the parser's 'error' answers).
        stream.on('error', () => undefined);
        stream.resume();
        return fail(invalid(`The file must be in a part named ${limits.fileField}, not ${name === '' ? 'one without a name' : JSON.stringify(name.slice(0, 64))}.`));
      }
      pending += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A body that ends inside the file (busboy: "Unexpected end of form").
      stream.on('error', (err: unknown) => fail(invalid(`The multipart body is malformed: ${err instanceof Error ? err.message : 'unreadable'}.`)));
      stream.on('limit', () =>
        fail({
          error: AppError.validation(`The file is larger than the ${formatBytes(limits.maxFileBytes)} allowed (ATTACHMENT_MAX_BYTES).`, {
            reason: 'payload_too_large',
          }),
        }),
      );
      stream.on('end', () => {
        pending -= 1;
        if (!settled) {
          file = {
            filename: info.filename ?? '',
            mediaType: info.mimeType && info.mimeType !== '' ? info.mimeType : 'application/octet-stream',
            content: Buffer.concat(chunks),
          };
        }
        maybeDone();
      });
    });
    parser.on('field', (rawName, value, info) => {
      const name = nameOf(rawName);
      if (name === '') return fail(invalid('A part of the multipart body has no name.'));
      if (name === limits.fileField) return fail(invalid(`The part ${limits.fileField} must be a file (with a filename in its Content-Disposition).`));
      if (info.valueTruncated) return fail(invalid(`The field ${JSON.stringify(name.slice(0, 64))} is longer than ${formatBytes(limits.maxFieldBytes)}.`));
      if (info.nameTruncated || Object.hasOwn(fields, name)) return fail(invalid(`The field ${JSON.stringify(name.slice(0, 64))} is given twice or its name is too long.`));
      fields[name] = value;
    });
    parser.on('filesLimit', () => fail(invalid('The request holds more than one file; send one per request.')));
    parser.on('fieldsLimit', () => fail(invalid(`The request holds more than ${limits.maxFields} fields.`)));
    parser.on('partsLimit', () => fail(invalid(`The request holds more than ${limits.maxFields + 1} parts.`)));
    parser.on('error', (err: unknown) => fail(invalid(`The multipart body is malformed: ${err instanceof Error ? err.message : 'unreadable'}.`)));
    parser.on('close', () => {
      ended = true;
      maybeDone();
    });
    req.on('aborted', () => fail({ aborted: true }));
    req.on('error', () => fail({ aborted: true }));
    req.pipe(parser);
  });
}
