/**
 * The markup conversions the use cases and embedders call. Writers take Markdown (GFM) to
 * ADF, Confluence storage format or Jira wiki markup; readers take those three back to
 * Markdown. See docs/markup.md for what each format keeps and what it cannot.
 *
 * `markdownToAdf`, `markdownToStorage` and `markdownToJiraWiki` are total: they never throw
 * and neutralise what is over the limits (too deep nesting becomes text). `convertMarkdown`
 * is the checked form: a VALIDATION naming the limit instead of a neutralised conversion.
 */
import * as E from 'fp-ts/lib/Either.js';
import { AppError } from '../errors.js';
import { ADF_MAX_NODES, mdastToAdf, type AdfDoc, type AdfNode } from './adf.js';
import { mdastToStorage } from './confluence-storage.js';
import { mdastToJiraWiki } from './jira-wiki.js';
import { parseMarkdown } from './markdown.js';

export { adfToMarkdown, isAdfDoc, markdownToAdf, ADF_MAX_DEPTH, ADF_MAX_NODES, type AdfDoc, type AdfMark, type AdfNode } from './adf.js';
export { markdownToStorage, storageToMarkdown } from './confluence-storage.js';
export { jiraWikiToMarkdown, markdownToJiraWiki } from './jira-wiki.js';
export {
  MARKDOWN_MAX_DELIMITERS,
  MARKDOWN_MAX_DEPTH,
  MARKDOWN_MAX_LENGTH,
  MARKDOWN_OUTPUT_MAX_LENGTH,
  isAllowedHref,
} from './markdown.js';

export type MarkupFormat = 'adf' | 'storage' | 'wiki';

function countNodes(nodes: readonly AdfNode[]): number {
  let count = 0;
  const stack: (readonly AdfNode[])[] = [nodes];
  while (stack.length > 0) {
    const list = stack.pop() ?? [];
    count += list.length;
    for (const n of list) if (n.content && n.content.length > 0) stack.push(n.content);
  }
  return count;
}

/**
 * Markdown to one of the Atlassian formats, refusing input over the limits with a
 * VALIDATION whose message names the limit: longer than `MARKDOWN_MAX_LENGTH`, nesting
 * deeper than `MARKDOWN_MAX_DEPTH`, a paragraph with more than `MARKDOWN_MAX_DELIMITERS`
 * delimiters, or (for ADF) more than `ADF_MAX_NODES` nodes, which `isAdfDoc` would refuse.
 */
export function convertMarkdown(md: string, to: 'adf'): E.Either<AppError, AdfDoc>;
export function convertMarkdown(md: string, to: 'storage' | 'wiki'): E.Either<AppError, string>;
export function convertMarkdown(md: string, to: MarkupFormat): E.Either<AppError, AdfDoc | string> {
  const tree = parseMarkdown(md);
  if (E.isLeft(tree)) return tree;
  switch (to) {
    case 'adf': {
      const adf = mdastToAdf(tree.right);
      return countNodes(adf.content) > ADF_MAX_NODES
        ? E.left(AppError.validation(`the Markdown converts to more than ${ADF_MAX_NODES} ADF nodes`))
        : E.right(adf);
    }
    case 'storage':
      return E.right(mdastToStorage(tree.right));
    case 'wiki':
      return E.right(mdastToJiraWiki(tree.right));
  }
}
