/**
 * The files attached to Confluence pages, as Jira's attachments are done
 * (application/jira/attachments.ts): an attachment is always named with its page, and read
 * first, so one of another page (or outside CONFLUENCE_SPACES_FILTER) is NOT_FOUND and the
 * size is known before a byte moves. Over REST the file itself moves (streamed down,
 * multipart up, ATTACHMENT_MAX_BYTES); as a tool, text or base64 in JSON
 * (ATTACHMENT_TOOL_MAX_BYTES). Uploads go through v1, which v2 lacks.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { ConfluenceAttachment, type AttachmentRecord } from '../../domain/confluence.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { Page } from '../../domain/cursor.js';
import { AppError } from '../../domain/errors.js';
import { isTextMediaType, SAFE_FILENAME, type FileDownload, type FileLimits, type FileUpload } from '../../domain/files.js';
import { annotate } from '../../domain/json-schema.js';
import type { TenantId } from '../../domain/tenant.js';
import { flag } from '../jira/inputs.js';
import { asText, base64, filename, mediaType, readAll, tooLarge, toolFile } from '../jira/attachments.js';
import { cursor, limit } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { ConfluenceAttachments, ConfluencePageReading } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { asNoSuchPage, pageId, pageInScope, type ConfluencePagePorts } from './common.js';

type Ports = ConfluencePagePorts<ConfluencePageReading & ConfluenceAttachments> & { readonly files: FileLimits };

const ATTACHMENT_ID = /^att[1-9][0-9]{0,17}$/;
const attachmentId = annotate(
  new t.Type<string, string, unknown>(
    'an attachment id',
    (u): u is string => typeof u === 'string' && ATTACHMENT_ID.test(u),
    (u, c) => (typeof u === 'string' && ATTACHMENT_ID.test(u) ? t.success(u) : t.failure(u, c, 'a Confluence attachment id such as att123456')),
    t.identity,
  ),
  { type: 'string', pattern: ATTACHMENT_ID.source, description: 'The attachment id, e.g. att123456 (from confluence_list_attachments).' },
);
const page = pageId('The page the file is attached to (digits).');
const minorEdit = flag('Upload as a minor edit: watchers are not notified (default true).');

export const ListPageAttachmentsInput = t.exact(t.intersection([t.type({ page: pageId('The page whose attachments to list (digits).') }), t.partial({ cursor, limit })]));
export type ListPageAttachmentsInput = t.TypeOf<typeof ListPageAttachmentsInput>;

export const PageAttachmentRef = t.exact(t.type({ page, attachment: attachmentId }));
export type PageAttachmentRef = t.TypeOf<typeof PageAttachmentRef>;

const confluenceFilename = annotate(filename, { description: 'The file name Confluence shows, e.g. diagram.png.' });
export const AddPageAttachmentInput = t.exact(
  t.intersection([t.type({ page, filename: confluenceFilename, content_base64: base64 }), t.partial({ media_type: mediaType, minor_edit: minorEdit })]),
);
export type AddPageAttachmentInput = t.TypeOf<typeof AddPageAttachmentInput>;

/** The multipart upload's fields besides the file: the page (from the path) and minor_edit. */
export const AddPageAttachmentFields = t.exact(t.intersection([t.type({ page }), t.partial({ minor_edit: minorEdit })]));
export type AddPageAttachmentFields = t.TypeOf<typeof AddPageAttachmentFields>;

const text = (description: string) => annotate(t.string, { description });
export const PageAttachmentContent = t.readonly(
  t.type({
    id: text('The attachment id.'),
    page_id: text('The page it is attached to.'),
    filename: text('The file name.'),
    media_type: text('Its media type.'),
    size: annotate(t.number, { type: 'integer', minimum: 0, description: 'Size in bytes.' }),
    encoding: annotate(t.keyof({ text: null, base64: null }), { description: 'text: content is the file as UTF-8 text; base64: content is its bytes in base64.' }),
    content: text('The file: text, or base64 (see encoding).'),
  }),
  'PageAttachmentContent',
);
export type PageAttachmentContent = t.TypeOf<typeof PageAttachmentContent>;

export const AddedPageAttachment = t.readonly(t.type({ page_id: text('The page the file was attached to.'), attachment: ConfluenceAttachment }), 'AddedPageAttachment');
export type AddedPageAttachment = t.TypeOf<typeof AddedPageAttachment>;

const render = (a: AttachmentRecord): ConfluenceAttachment => ({
  id: a.id,
  page_id: a.pageId,
  filename: a.title,
  media_type: a.mediaType,
  size: a.fileSize,
  created: a.createdAt,
  version: a.version,
  comment: a.comment,
});

/** `confluence_list_attachments`: the files on a page. */
export class ListPageAttachments {
  private readonly page: ReturnType<typeof readPage<ConfluenceAttachment>>;

  constructor(private readonly ports: Ports) {
    this.page = readPage<ConfluenceAttachment>(ports.refresh, 'confluence', 'confluence-attachments');
  }

  execute(tenantId: TenantId, input: ListPageAttachmentsInput): TE.TaskEither<AppError, Page<ConfluenceAttachment>> {
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.pageAttachments(ctx, { pageId: input.page, cursor: at.token, limit: at.limit })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((up) => ({ items: up.items.map(render), next: up.next })),
      ),
    );
  }
}

const noSuchAttachment = (ref: PageAttachmentRef): AppError => AppError.notFound(`Confluence page ${ref.page} has no attachment ${ref.attachment} that this connection may see.`);

/** The attachment, when it is on the page named and the page is within the filter. */
const attachmentOf = (ports: Ports, ctx: AccessContext, ref: PageAttachmentRef): TE.TaskEither<AppError, AttachmentRecord> =>
  pipe(
    pageInScope(ports, ctx, ref.page),
    TE.flatMap(() => ports.confluence.attachment(ctx, ref.attachment)),
    TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchAttachment(ref) : e)),
    TE.flatMap((a) => (a.pageId === ref.page ? TE.right(a) : TE.left(noSuchAttachment(ref)))),
  );

const download = (ports: Ports, tenantId: TenantId, ref: PageAttachmentRef, max: number, variable: string, hint: string) =>
  withAccess(ports.refresh, tenantId, 'confluence')((ctx) =>
    pipe(
      attachmentOf(ports, ctx, ref),
      TE.flatMap((meta) => {
        if (meta.fileSize > max) return TE.left(tooLarge(`Attachment ${meta.id} (${meta.title})`, meta.fileSize, max, variable, hint));
        if (!meta.downloadLink) return TE.left(AppError.vendor(`Confluence gave no download link for attachment ${meta.id}.`));
        return TE.map((file: FileDownload) => ({ meta, file }))(ports.confluence.downloadPageAttachment(ctx, { downloadLink: meta.downloadLink, filename: meta.title, maxBytes: max }));
      }),
    ),
  );

/** `GET /connectors/confluence/pages/{page}/attachments/{attachment}`: the file, streamed. */
export class DownloadPageAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, ref: PageAttachmentRef): TE.TaskEither<AppError, FileDownload> {
    return TE.map(({ meta, file }: { meta: AttachmentRecord; file: FileDownload }) => ({
      ...file,
      mediaType: file.mediaType === 'application/octet-stream' && meta.mediaType ? meta.mediaType : file.mediaType,
    }))(download(this.ports, tenantId, ref, this.ports.files.maxBytes, 'ATTACHMENT_MAX_BYTES', ''));
  }
}

/** `confluence_get_attachment`: the file in JSON, text when it is text, else base64. */
export class ReadPageAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, ref: PageAttachmentRef): TE.TaskEither<AppError, PageAttachmentContent> {
    const hint = ` Download it over REST instead: GET /connectors/confluence/pages/${ref.page}/attachments/${ref.attachment}.`;
    return pipe(
      download(this.ports, tenantId, ref, this.ports.files.toolMaxBytes, 'ATTACHMENT_TOOL_MAX_BYTES', hint),
      TE.flatMap(({ meta, file }) =>
        TE.map((bytes: Buffer): PageAttachmentContent => {
          const media = meta.mediaType || file.mediaType;
          const asString = isTextMediaType(media) ? asText(bytes) : undefined;
          return {
            id: meta.id,
            page_id: ref.page,
            filename: meta.title,
            media_type: media,
            size: bytes.length,
            ...(asString !== undefined ? { encoding: 'text' as const, content: asString } : { encoding: 'base64' as const, content: bytes.toString('base64') }),
          };
        })(readAll(file)),
      ),
    );
  }
}

/** `POST /connectors/confluence/pages/{page}/attachments` (multipart): one file, up to ATTACHMENT_MAX_BYTES. */
export class AddPageAttachment {
  constructor(private readonly ports: Ports) {}

  execute(tenantId: TenantId, input: AddPageAttachmentFields & { readonly file: FileUpload }): TE.TaskEither<AppError, AddedPageAttachment> {
    const { file } = input;
    if (!SAFE_FILENAME.test(file.filename) || file.filename.trim() === '') {
      return TE.left(AppError.validation('The file name must be 1-255 characters without / \\ or control characters.'));
    }
    if (file.content.length > this.ports.files.maxBytes) {
      return TE.left(tooLarge(`The file ${file.filename}`, file.content.length, this.ports.files.maxBytes, 'ATTACHMENT_MAX_BYTES'));
    }
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.uploadPageAttachment(ctx, { pageId: input.page, file, minorEdit: input.minor_edit ?? true })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((a) => ({ page_id: input.page, attachment: render(a) })),
      ),
    );
  }
}

/** `confluence_add_attachment`: the same, the bytes in base64, up to ATTACHMENT_TOOL_MAX_BYTES. */
export class AddPageAttachmentFromTool {
  private readonly add: AddPageAttachment;

  constructor(private readonly ports: Ports) {
    this.add = new AddPageAttachment(ports);
  }

  execute(tenantId: TenantId, input: AddPageAttachmentInput): TE.TaskEither<AppError, AddedPageAttachment> {
    return pipe(
      toolFile(input, this.ports.files.toolMaxBytes, `/connectors/confluence/pages/${input.page}/attachments`),
      TE.flatMap((file) =>
        this.add.execute(tenantId, { page: input.page, ...(input.minor_edit !== undefined ? { minor_edit: input.minor_edit } : {}), file }),
      ),
    );
  }
}
