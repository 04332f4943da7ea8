/** The Confluence operations of the catalog. */
import { PageOf } from '../../domain/cursor.js';
import { ContentHit, CreatedPage, Space } from '../../domain/operations.js';
import { CreatePage, ListSpaces, SearchContent } from '../confluence-operations.js';
import { CreatePageInput, ListSpacesInput, SearchContentInput } from '../operation-inputs.js';
import { operation, useCase } from './operation.js';

const WIKI = 'https://acme.atlassian.net/wiki';
const SCOPES_READ = ['read:space:confluence'];
// A page is created by space id; a space key is looked up first.
const SCOPES_WRITE = ['write:page:confluence', 'read:space:confluence'];

export const confluenceOperations = [
  operation({
    name: 'confluence_list_spaces',
    title: 'List Confluence spaces',
    summary: 'List the Confluence spaces the connection can see, with their keys and ids. Use it to find where to create a page.',
    connector: 'confluence',
    input: ListSpacesInput,
    output: PageOf(Space, 'spaces'),
    http: { method: 'get', path: '/connectors/confluence/spaces', operationId: 'listConfluenceSpaces' },
    writes: false,
    scopes: SCOPES_READ,
    example: {
      input: { limit: 1 },
      output: { items: [{ id: '98305', key: 'ENG', name: 'Engineering', type: 'global', url: `${WIKI}/spaces/ENG` }], next_cursor: null },
    },
    run: useCase(ListSpaces),
  }),
  operation({
    name: 'confluence_search',
    title: 'Search Confluence',
    summary:
      'Search Confluence content by free text (q, optionally within one space key) or by your own CQL (cql). Answers titles, excerpts and links; pages with next_cursor.',
    connector: 'confluence',
    input: SearchContentInput,
    output: PageOf(ContentHit, 'results'),
    http: { method: 'get', path: '/connectors/confluence/search', operationId: 'searchConfluence' },
    writes: false,
    scopes: ['search:confluence'],
    example: {
      input: { q: 'runbook', space: 'OPS' },
      output: {
        items: [
          {
            id: '98311',
            title: 'On-call runbook',
            type: 'page',
            space: 'OPS',
            excerpt: 'What to do when the pager goes off',
            url: `${WIKI}/spaces/OPS/pages/98311`,
          },
        ],
        next_cursor: null,
      },
    },
    run: useCase(SearchContent),
  }),
  operation({
    name: 'confluence_create_page',
    title: 'Create a Confluence page',
    summary:
      'Create a Confluence page in a space (space_key or space_id), optionally under a parent page. The body is Markdown unless body_format says storage or atlas_doc_format. Answers the new page id and link.',
    connector: 'confluence',
    input: CreatePageInput,
    output: CreatedPage,
    http: { method: 'post', path: '/connectors/confluence/create', operationId: 'createConfluencePage', status: 201 },
    writes: true,
    scopes: SCOPES_WRITE,
    example: {
      input: { space_key: 'ENG', title: 'Release plan', body: '# Release plan\n\n- [ ] freeze\n- [ ] ship' },
      output: { id: '98400', title: 'Release plan', url: `${WIKI}/spaces/ENG/pages/98400` },
    },
    run: useCase(CreatePage),
  }),
];
