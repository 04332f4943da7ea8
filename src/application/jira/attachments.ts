/**
 * The files attached to Jira issues. An attachment is always named with its issue: the
 * issue's attachment list is read first, so a caller cannot reach an attachment of an issue
 * outside JIRA_PROJECTS_FILTER (or of no issue it named) by guessing its id, and the size is
 * known before any byte moves.
 *
 * Over REST the file itself moves (streamed down, multipart up, up to ATTACHMENT_MAX_BYTES);
 * as a tool its bytes travel in JSON (text for text types, else base64), up to
 * ATTACHMENT_TOOL_MAX_BYTES.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import {
  formatBytes,
  isTextMediaType,
  MEDIA_TYPE,
  SAFE_FILENAME,
  TransferError,
  type FileDownload,
  type FileLimits,
  type FileUpload,
} from '../../domain/files.js';
import { JiraAttachment } from '../../domain/jira-issue.js';
import { annotate } from '../../domain/json-schema.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { issueIdOrKey, numericId } from '../operation-inputs.js';
import type { JiraAttachments, JiraIssueLookup, JiraIssueReading } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { issueInScope } from './scope.js';

type Ports = JiraPorts<JiraAttachments & JiraIssueReading & JiraIssueLookup> & { readonly files: FileLimits };

const issue = issueIdOrKey('The issue the file is attached to (key or id).');
const attachment = numericId('attachment', 'The attachment id (from the attachments of jira_get_issue).');

export const AttachmentRef = t.exact(t.type({ issue, attachment }));
export type AttachmentRef = t.TypeOf<typeof AttachmentRef>;

export const filename = annotate(
  new t.Type<string, string, unknown>(
    'a file name',
    (u): u is string => typeof u === 'string' && SAFE_FILENAME.test(u) && u.trim() !== '',
    (u, c) =>
      typeof u === 'string' && SAFE_FILENAME.test(u) && u.trim() !== ''
        ? t.success(u)
        : t.failure(u, c, 'a file name of 1-255 characters without / \\ or control characters'),
    t.identity,
  ),
  {
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: SAFE_FILENAME.source.replace('{1,255}', '+'),
    description: 'The file name Jira shows, e.g. build.log.',
  },
);

export const mediaType = annotate(
  new t.Type<string, string, unknown>(
    'a media type',
    (u): u is string => typeof u === 'string' && u.length <= 255 && MEDIA_TYPE.test(u),
    (u, c) =>
      typeof u === 'string' && u.length <= 255 && MEDIA_TYPE.test(u)
        ? t.success(u)
        : t.failure(u, c, 'a media type such as text/plain or image/png'),
    t.identity,
  ),
  {
    type: 'string',
    maxLength: 255,
    pattern: MEDIA_TYPE.source,
    description: 'The media type, e.g. text/plain (default: from the file name, else application/octet-stream).',
  },
);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const base64 = annotate(
  new t.Type<string, string, unknown>(
    'base64',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      if (typeof u !== 'string') return t.failure(u, c, 'a base64 string');
      const compact = u.replace(/\s+/g, '');
      return compact.length % 4 === 0 && BASE64.test(compact)
        ? t.success(compact)
        : t.failure(u, c, 'standard base64 (A-Z a-z 0-9 + /, padded with =)');
    },
    t.identity,
  ),
  {
    type: 'string',
    contentEncoding: 'base64',
    pattern: '^[A-Za-z0-9+/\\s]*=?=?\\s*$',
    description: "The file's bytes in standard base64.",
  },
);

export const AddAttachmentInput = t.exact(
  t.intersection([t.type({ issue, filename, content_base64: base64 }), t.partial({ media_type: mediaType })]),
);
export type AddAttachmentInput = t.TypeOf<typeof AddAttachmentInput>;

/** The multipart upload's fields besides the file: the issue, from the path. */
export const AddAttachmentFields = t.exact(t.type({ issue }));
export type AddAttachmentFields = t.TypeOf<typeof AddAttachmentFields>;

const text = (description: string) => annotate(t.string, { description });

export const AttachmentContent = t.readonly(
  t.type({
    id: text('The attachment id.'),
    issue: text('The issue it is attached to.'),
    filename: text('The file name.'),
    media_type: text('Its media type.'),
    size: annotate(t.number, { type: 'integer', minimum: 0, description: 'Size in bytes.' }),
    encoding: annotate(t.keyof({ text: null, base64: null }), {
      description: 'text: content is the file as UTF-8 text; base64: content is its bytes in base64.',
    }),
    content: text('The file: text, or base64 (see encoding).'),
  }),
  'AttachmentContent',
);
export type AttachmentContent = t.TypeOf<typeof AttachmentContent>;

export const AddedAttachment = t.readonly(
  t.type({
    issue: text('The issue the file was attached to.'),
    attachments: annotate(t.readonlyArray(JiraAttachment), { description: 'What Jira attached (the one file).' }),
  }),
  'AddedAttachment',
);
export type AddedAttachment = t.TypeOf<typeof AddedAttachment>;

export const DeletedAttachment = t.readonly(
  t.type({ deleted: text('The id of the attachment deleted.') }),
  'DeletedAttachment',
);
export type DeletedAttachment = t.TypeOf<typeof DeletedAttachment>;

const noSuchAttachment = (ref: AttachmentRef): AppError =>
  AppError.notFound(`Jira issue ${ref.issue} has no attachment ${ref.attachment} that this connection may see.`);

/** The attachment as the issue lists it: the issue must be within the filter, and list it. */
const attachmentOf = (ports: Ports, ctx: AccessContext, ref: AttachmentRef): TE.TaskEither<AppError, JiraAttachment> =>
  pipe(
    issueInScope(ports, ctx, ref.issue),
    TE.flatMap(() => ports.jira.getIssue(ctx, ref.issue, ['attachment'])),
    TE.flatMap((record) => {
      const found = (record.attachments ?? []).find((a) => a.id === ref.attachment);
      return found ? TE.right(found) : TE.left(noSuchAttachment(ref));
    }),
  );

export const tooLarge = (what: string, size: number, limit: number, variable: string, hint = ''): AppError =>
  AppError.validation(
    `${what} is ${formatBytes(size)}, more than the ${formatBytes(limit)} allowed (${variable}).${hint}`,
    { reason: 'payload_too_large' },
  );

/** Downloads the attachment, refusing it before any byte moves when the issue says it is over `limit`. */
const download = (
  ports: Ports,
  tenantId: TenantId,
  ref: AttachmentRef,
  limit: number,
  variable: string,
  hint: string,
): TE.TaskEither<AppError, { meta: JiraAttachment; file: FileDownload }> =>
  withAccess(
    ports.refresh,
    tenantId,
    'jira',
  )((ctx) =>
    pipe(
      attachmentOf(ports, ctx, ref),
      TE.flatMap((meta) =>
        meta.size > limit
          ? TE.left(tooLarge(`Attachment ${meta.id} (${meta.filename})`, meta.size, limit, variable, hint))
          : TE.map((file: FileDownload) => ({ meta, file }))(
              ports.jira.downloadAttachment(ctx, { id: meta.id, filename: meta.filename, maxBytes: limit }),
            ),
      ),
    ),
  );

/** `GET /connectors/jira/issues/{issue}/attachments/{attachment}`: the file, streamed, up to ATTACHMENT_MAX_BYTES. */
export class DownloadAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, ref: AttachmentRef): TE.TaskEither<AppError, FileDownload> {
    return TE.map(({ meta, file }: { meta: JiraAttachment; file: FileDownload }) => ({
      ...file,
      // Jira's own type for the file when the download did not say.
      mediaType: file.mediaType === 'application/octet-stream' && meta.media_type ? meta.media_type : file.mediaType,
    }))(download(this.ports, tenantId, ref, this.ports.files.maxBytes, 'ATTACHMENT_MAX_BYTES', ''));
  }
}

/** Reads a whole download; the stream's own errors become Lefts. */
export const readAll = (file: FileDownload): TE.TaskEither<AppError, Buffer> =>
  TE.tryCatch(
    async () => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of file.content) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    (err) =>
      err instanceof TransferError ? err.error : AppError.vendor('The attachment download failed.', { cause: err }),
  );

const utf8 = new TextDecoder('utf-8', { fatal: true });
export const asText = (bytes: Buffer): string | undefined => {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
};

/** `jira_get_attachment`: the file in JSON, as text when it is text, else base64; up to ATTACHMENT_TOOL_MAX_BYTES. */
export class ReadAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, ref: AttachmentRef): TE.TaskEither<AppError, AttachmentContent> {
    const hint = ` Download it over REST instead: GET /connectors/jira/issues/${ref.issue}/attachments/${ref.attachment}.`;
    return pipe(
      download(this.ports, tenantId, ref, this.ports.files.toolMaxBytes, 'ATTACHMENT_TOOL_MAX_BYTES', hint),
      TE.flatMap(({ meta, file }) =>
        TE.map((bytes: Buffer): AttachmentContent => {
          const media = meta.media_type ?? file.mediaType;
          const text = isTextMediaType(media) ? asText(bytes) : undefined;
          return {
            id: meta.id,
            issue: ref.issue,
            filename: meta.filename,
            media_type: media,
            size: bytes.length,
            ...(text !== undefined
              ? { encoding: 'text' as const, content: text }
              : { encoding: 'base64' as const, content: bytes.toString('base64') }),
          };
        })(readAll(file)),
      ),
    );
  }
}

const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
};

/** A media type from the file name's extension, else application/octet-stream. */
export const mediaTypeFor = (name: string): string =>
  BY_EXTENSION[/\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** `POST /connectors/jira/issues/{issue}/attachments` (multipart): attaches one file, up to ATTACHMENT_MAX_BYTES. */
export class AddAttachment {
  constructor(private readonly ports: Ports) {}

  execute(
    tenantId: TenantId,
    input: AddAttachmentFields & { readonly file: FileUpload },
  ): TE.TaskEither<AppError, AddedAttachment> {
    const { file } = input;
    if (!SAFE_FILENAME.test(file.filename) || file.filename.trim() === '') {
      return TE.left(AppError.validation('The file name must be 1-255 characters without / \\ or control characters.'));
    }
    if (file.content.length > this.ports.files.maxBytes) {
      return TE.left(
        tooLarge(`The file ${file.filename}`, file.content.length, this.ports.files.maxBytes, 'ATTACHMENT_MAX_BYTES'),
      );
    }
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() => this.ports.jira.addAttachment(ctx, { issue: input.issue, file })),
        TE.map((attachments) => ({ issue: input.issue, attachments })),
      ),
    );
  }
}

/**
 * The file a tool sends as base64: refused above ATTACHMENT_TOOL_MAX_BYTES with the REST route
 * to upload it through instead; its media type from the name when none is given.
 */
export const toolFile = (
  input: { readonly filename: string; readonly content_base64: string; readonly media_type?: string | undefined },
  maxBytes: number,
  restRoute: string,
): TE.TaskEither<AppError, FileUpload> => {
  const content = Buffer.from(input.content_base64, 'base64');
  if (content.length > maxBytes) {
    return TE.left(
      tooLarge(
        `The file ${input.filename}`,
        content.length,
        maxBytes,
        'ATTACHMENT_TOOL_MAX_BYTES',
        ` Upload it over REST instead: POST ${restRoute} as multipart/form-data.`,
      ),
    );
  }
  return TE.right({ filename: input.filename, mediaType: input.media_type ?? mediaTypeFor(input.filename), content });
};

/** `jira_add_attachment`: the same, with the bytes in base64, up to ATTACHMENT_TOOL_MAX_BYTES. */
export class AddAttachmentFromTool {
  private readonly add: AddAttachment;

  constructor(private readonly ports: Ports) {
    this.add = new AddAttachment(ports);
  }

  execute(tenantId: TenantId, input: AddAttachmentInput): TE.TaskEither<AppError, AddedAttachment> {
    return pipe(
      toolFile(input, this.ports.files.toolMaxBytes, `/connectors/jira/issues/${input.issue}/attachments`),
      TE.flatMap((file) => this.add.execute(tenantId, { issue: input.issue, file })),
    );
  }
}

/** `jira_delete_attachment`: removes one file from an issue. */
export class DeleteAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, ref: AttachmentRef): TE.TaskEither<AppError, DeletedAttachment> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        attachmentOf(this.ports, ctx, ref),
        TE.flatMap(() => this.ports.jira.deleteAttachment(ctx, ref.attachment)),
        TE.map(() => ({ deleted: ref.attachment })),
      ),
    );
  }
}
