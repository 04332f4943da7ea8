/** Catalog: the files attached to Jira issues. */
import {
  AddAttachment,
  AddAttachmentFields,
  AddAttachmentFromTool,
  AddAttachmentInput,
  AddedAttachment,
  AttachmentContent,
  AttachmentRef,
  DeleteAttachment,
  DeletedAttachment,
  DownloadAttachment,
  ReadAttachment,
} from '../jira/attachments.js';
import { operation, upload, useCase } from './operation.js';

const ATTACHED = {
  id: '10001',
  filename: 'build.log',
  size: 42,
  media_type: 'text/plain',
  created: '2026-11-20T10:15:30.000+0000',
  author: 'Ada Lovelace',
};

export const jiraAttachmentOperations = [
  operation({
    name: 'jira_get_attachment',
    title: 'Read a file attached to a Jira issue',
    summary:
      'A file attached to an issue (ids from the attachments of jira_get_issue). As a tool: text files as text, other files in base64, up to ATTACHMENT_TOOL_MAX_BYTES. Over REST: the file itself, streamed with its media type, up to ATTACHMENT_MAX_BYTES.',
    connector: 'jira',
    input: AttachmentRef,
    output: AttachmentContent,
    http: { method: 'get', path: '/connectors/jira/issues/{issue}/attachments/{attachment}', operationId: 'getJiraAttachment' },
    writes: false,
    scopes: ['read:jira-work'],
    example: {
      input: { issue: 'ENG-42', attachment: '10001' },
      output: { id: '10001', issue: 'ENG-42', filename: 'build.log', media_type: 'text/plain', size: 42, encoding: 'text', content: 'ERROR login timeout after 30 s (retry 3)\n' },
    },
    run: useCase(ReadAttachment),
    file: { direction: 'download', run: useCase(DownloadAttachment) },
  }),
  operation({
    name: 'jira_add_attachment',
    title: 'Attach a file to a Jira issue',
    summary:
      'Attach one file to an issue. As a tool: its bytes in base64 (content_base64), up to ATTACHMENT_TOOL_MAX_BYTES. Over REST: multipart/form-data with the file in a part named file, up to ATTACHMENT_MAX_BYTES.',
    connector: 'jira',
    input: AddAttachmentInput,
    output: AddedAttachment,
    http: { method: 'post', path: '/connectors/jira/issues/{issue}/attachments', operationId: 'addJiraAttachment', status: 201 },
    writes: true,
    idempotent: false,
    scopes: ['write:jira-work'],
    example: {
      input: { issue: 'ENG-42', filename: 'build.log', content_base64: 'RVJST1IgbG9naW4gdGltZW91dCBhZnRlciAzMCBzIChyZXRyeSAzKQo=', media_type: 'text/plain' },
      output: { issue: 'ENG-42', attachments: [ATTACHED] },
    },
    run: useCase(AddAttachmentFromTool),
    file: upload({ fields: AddAttachmentFields, run: useCase(AddAttachment) }),
  }),
  operation({
    name: 'jira_delete_attachment',
    title: 'Delete a file attached to a Jira issue',
    summary: 'Delete one attachment of an issue, for good.',
    connector: 'jira',
    input: AttachmentRef,
    output: DeletedAttachment,
    http: { method: 'delete', path: '/connectors/jira/issues/{issue}/attachments/{attachment}', operationId: 'deleteJiraAttachment', status: 204 },
    writes: true,
    destructive: true,
    idempotent: false,
    scopes: ['write:jira-work'],
    example: { input: { issue: 'ENG-42', attachment: '10001' }, output: { deleted: '10001' } },
    run: useCase(DeleteAttachment),
  }),
];
