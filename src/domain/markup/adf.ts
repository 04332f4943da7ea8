/**
 * Markdown to Atlassian Document Format (ADF, version 1), as used by Jira Cloud
 * REST v3 rich-text fields such as `fields.description`.
 *
 * ADF is stricter than Markdown, so the conversion adapts a few shapes:
 * - text nodes are never empty;
 * - the `code` mark may only be combined with `link`, so other marks are
 *   dropped from inline code;
 * - blockquotes and list items may not contain headings, rules or nested
 *   blockquotes: headings become paragraphs, nested quotes are flattened and
 *   rules are dropped there;
 * - a list item must start with a paragraph (or code block), so an empty
 *   paragraph is inserted when it would not.
 */
import { parseMarkdown, type Block, type Inline, type ListItem, type Mark } from './markdown.js';

export interface AdfMark {
  readonly type: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
}

export interface AdfNode {
  readonly type: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly content?: readonly AdfNode[];
  readonly text?: string;
  readonly marks?: readonly AdfMark[];
}

export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

/** Limits enforced by {@link isAdfDoc}. */
export const ADF_MAX_DEPTH = 100;
export const ADF_MAX_NODES = 100_000;

export function markdownToAdf(md: string): AdfDoc {
  return { type: 'doc', version: 1, content: blocksToAdf(parseMarkdown(md), 'top') };
}

type Context = 'top' | 'nested';

function blocksToAdf(blocks: readonly Block[], ctx: Context): AdfNode[] {
  const out: AdfNode[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
        out.push({ type: 'paragraph', content: inlinesToAdf(block.content) });
        break;
      case 'heading':
        out.push(
          ctx === 'top'
            ? { type: 'heading', attrs: { level: block.level }, content: inlinesToAdf(block.content) }
            : { type: 'paragraph', content: inlinesToAdf(block.content) },
        );
        break;
      case 'bulletList':
        out.push({ type: 'bulletList', content: block.items.map(listItemToAdf) });
        break;
      case 'orderedList':
        out.push({ type: 'orderedList', attrs: { order: block.start }, content: block.items.map(listItemToAdf) });
        break;
      case 'codeBlock':
        out.push({
          type: 'codeBlock',
          ...(block.language !== undefined ? { attrs: { language: block.language } } : {}),
          content: block.text === '' ? [] : [{ type: 'text', text: block.text }],
        });
        break;
      case 'blockquote':
        if (ctx === 'top') out.push({ type: 'blockquote', content: nonEmpty(blocksToAdf(block.content, 'nested')) });
        else out.push(...blocksToAdf(block.content, 'nested'));
        break;
      case 'rule':
        if (ctx === 'top') out.push({ type: 'rule' });
        break;
    }
  }
  return out;
}

/** Blockquotes and list items need at least one child. */
function nonEmpty(content: AdfNode[]): AdfNode[] {
  return content.length > 0 ? content : [{ type: 'paragraph', content: [] }];
}

function listItemToAdf(item: ListItem): AdfNode {
  const content = blocksToAdf(item.content, 'nested');
  const first = content[0];
  if (!first || (first.type !== 'paragraph' && first.type !== 'codeBlock')) {
    content.unshift({ type: 'paragraph', content: [] });
  }
  return { type: 'listItem', content };
}

function markToAdf(mark: Mark): AdfMark {
  return mark.type === 'link' ? { type: 'link', attrs: { href: mark.href } } : { type: mark.type };
}

function inlinesToAdf(inlines: readonly Inline[]): AdfNode[] {
  const out: AdfNode[] = [];
  for (const node of inlines) {
    if (node.type === 'hardBreak') {
      out.push({ type: 'hardBreak' });
      continue;
    }
    if (node.text === '') continue;
    const isCode = node.marks.some((m) => m.type === 'code');
    const marks = (isCode ? node.marks.filter((m) => m.type === 'code' || m.type === 'link') : node.marks).map(
      markToAdf,
    );
    out.push(marks.length > 0 ? { type: 'text', text: node.text, marks } : { type: 'text', text: node.text });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Structural check
// ---------------------------------------------------------------------------

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/**
 * Structural check of an ADF document: `type: 'doc'`, `version: 1`, every node
 * an object with a string `type`, `content` (when present) an array, text nodes
 * with a non-empty string `text`, `marks` (when present) an array of objects
 * with a string `type`. Rejects nesting deeper than {@link ADF_MAX_DEPTH}
 * (the doc's children are at depth 1) and more than {@link ADF_MAX_NODES} nodes.
 * Iterative, so hostile input cannot overflow the stack. Does not validate the
 * full ADF schema (which node may contain which).
 */
export function isAdfDoc(u: unknown): u is AdfDoc {
  if (!isRecord(u) || u['type'] !== 'doc' || u['version'] !== 1) return false;
  const rootContent = u['content'];
  if (!Array.isArray(rootContent)) return false;
  const stack: { nodes: readonly unknown[]; depth: number }[] = [{ nodes: rootContent, depth: 1 }];
  let count = 0;
  while (stack.length > 0) {
    const frame = stack.pop();
    if (!frame) break;
    if (frame.depth > ADF_MAX_DEPTH && frame.nodes.length > 0) return false;
    for (const node of frame.nodes) {
      count++;
      if (count > ADF_MAX_NODES) return false;
      if (!isRecord(node) || typeof node['type'] !== 'string') return false;
      if (node['type'] === 'text' && (typeof node['text'] !== 'string' || node['text'] === '')) return false;
      const marks = node['marks'];
      if (marks !== undefined) {
        if (!Array.isArray(marks)) return false;
        for (const mark of marks) {
          if (!isRecord(mark) || typeof mark['type'] !== 'string') return false;
        }
      }
      const content = node['content'];
      if (content !== undefined) {
        if (!Array.isArray(content)) return false;
        if (content.length > 0) stack.push({ nodes: content, depth: frame.depth + 1 });
      }
    }
  }
  return true;
}
