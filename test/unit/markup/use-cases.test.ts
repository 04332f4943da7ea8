/**
 * The use cases that write Markdown (CreateIssue, CreatePage) send what the converters build,
 * and turn Markdown over a limit into a VALIDATION naming the limit, sending nothing.
 * In-memory ports, no HTTP.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { CreatePage } from '../../../src/application/confluence-operations.js';
import { CreateIssue } from '../../../src/application/jira-operations.js';
import type { AccessProvider } from '../../../src/application/ports/access-provider.js';
import type { ConfluencePageReading, ConfluenceSpacesAndContent, JiraCreateMetadata, JiraIssueCreation, JiraIssueLookup } from '../../../src/application/ports/atlassian-gateways.js';
import { AppError } from '../../../src/domain/errors.js';
import type { AccessContext } from '../../../src/domain/credentials.js';
import { markdownToAdf } from '../../../src/domain/markup/adf.js';
import { MARKDOWN_MAX_DEPTH } from '../../../src/domain/markup/markdown.js';
import type { TenantId } from '../../../src/domain/tenant.js';

const tenant = 'acme' as TenantId;

function provider(flavour: AccessContext['flavour']): AccessProvider {
  const ctx: AccessContext = {
    baseUrl: 'https://api.example',
    siteUrl: 'https://acme.example',
    authorization: 'Bearer x',
    authType: flavour === 'cloud' ? 'oauth' : 'pat',
    flavour,
    version: 1,
    callerSuppliedHost: false,
  };
  return { access: () => TE.right(ctx), afterUnauthorized: () => TE.right(ctx) };
}

function jira(sent: unknown[]): JiraIssueCreation & JiraCreateMetadata & JiraIssueLookup {
  return {
    createIssue: (_ctx, issue) => {
      sent.push(issue.description);
      return TE.right({ id: '1', key: 'K-1', url: 'https://acme.example/browse/K-1' });
    },
    // No create metadata (an older Data Center): the create goes to Jira unchecked.
    createIssueTypes: () => TE.left(AppError.notFound('no create metadata')),
    createFields: () => TE.left(AppError.notFound('no create metadata')),
    identifyIssue: () => TE.left(AppError.internal('no parent is given in these tests')),
  };
}
const clock = { now: () => new Date('2026-12-01T10:00:00.000Z') };

function confluence(sent: unknown[]): ConfluenceSpacesAndContent & Pick<ConfluencePageReading, 'getSpace'> {
  return {
    getSpace: () => TE.left({ code: 'INTERNAL_ERROR', message: 'unused' }),
    listSpaces: () => TE.left({ code: 'INTERNAL_ERROR', message: 'unused' }),
    searchContent: () => TE.left({ code: 'INTERNAL_ERROR', message: 'unused' }),
    spaceIdForKey: () => TE.right('100'),
    createPage: (_ctx, page) => {
      sent.push(page.value);
      return TE.right({ id: '9', title: page.title, url: 'https://acme.example/wiki/9' });
    },
  };
}

const deep = '> '.repeat(MARKDOWN_MAX_DEPTH + 1) + 'too deep';
const depthError = { code: 'VALIDATION', message: `the Markdown nests deeper than ${MARKDOWN_MAX_DEPTH} levels` };

describe('CreateIssue', () => {
  it('sends ADF to Cloud and wiki markup to Data Center', async () => {
    const sent: unknown[] = [];
    const md = '# Steps\n\n- [ ] open [the app](/app)';
    await new CreateIssue({ refresh: provider('cloud'), jira: jira(sent), clock }).execute(tenant, { project_key: 'K', summary: 's', description: md })();
    await new CreateIssue({ refresh: provider('data_center'), jira: jira(sent), clock }).execute(tenant, { project_key: 'K', summary: 's', description: md })();
    expect(sent).toEqual([markdownToAdf(md), 'h1. Steps\n\n* \\[ \\] open [the app|/app]']);
  });

  it('answers a VALIDATION naming the limit for a description nested too deep, and sends nothing', async () => {
    for (const flavour of ['cloud', 'data_center'] as const) {
      const sent: unknown[] = [];
      const result = await new CreateIssue({ refresh: provider(flavour), jira: jira(sent), clock }).execute(tenant, {
        project_key: 'K',
        summary: 's',
        description: deep,
      })();
      expect(result).toEqual({ _tag: 'Left', left: depthError });
      expect(sent).toEqual([]);
    }
  });
});

describe('CreatePage', () => {
  it('sends storage format for a Markdown body', async () => {
    const sent: unknown[] = [];
    await new CreatePage({ refresh: provider('cloud'), confluence: confluence(sent) }).execute(tenant, {
      title: 't',
      space_key: 'S',
      body: '| a |\n| - |\n| 1 |',
    })();
    expect(sent).toEqual(['<table><tbody><tr><th>a</th></tr><tr><td>1</td></tr></tbody></table>']);
  });

  it('answers a VALIDATION naming the limit for a Markdown body nested too deep, and sends nothing', async () => {
    const sent: unknown[] = [];
    const result = await new CreatePage({ refresh: provider('cloud'), confluence: confluence(sent) }).execute(tenant, {
      title: 't',
      space_key: 'S',
      body: deep,
    })();
    expect(result).toEqual({ _tag: 'Left', left: depthError });
    expect(sent).toEqual([]);
  });
});
