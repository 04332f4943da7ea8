/**
 * Atlassian Document Format (ADF, version 1), both ways: Markdown (as mdast) to ADF for
 * Jira Cloud descriptions and comments and Confluence `atlas_doc_format`, and ADF back to
 * Markdown.
 *
 * Writing, ADF is stricter than Markdown, so a few shapes are adapted, never dropped:
 * - text nodes are never empty; the `code` mark is combined only with `link`;
 * - a list item or quote may not hold a heading (it becomes a paragraph), a quote (its
 *   content is lifted into the outer container), a rule (dropped: it has no content) or a
 *   table (each row becomes a paragraph, cells separated by ` | `); a quote may not hold a
 *   task list (it becomes a bullet list whose items start with `[ ]` or `[x]`);
 * - a list item starts with a paragraph or code block (an empty paragraph is inserted);
 * - images are block media (`mediaSingle` with an `external` `media`), so a paragraph is
 *   split around them; where media cannot go (headings, task items) an image becomes its
 *   alt text linked to its URL;
 * - a task item holds only inline content: a task list whose items hold more (several
 *   paragraphs, code, a plain list) or that mixes tasks and plain items becomes a bullet
 *   list with `[ ]`/`[x]` text.
 */
import type {
  BlockContent,
  Heading,
  List,
  ListItem,
  Paragraph,
  PhrasingContent,
  Root,
  RootContent,
  Table,
  TableCell,
  TableRow,
} from 'mdast';
import { isAllowedHref, readMarkdown, writeMarkdown, type MarkdownTree } from './markdown.js';

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

/** Markdown to ADF. Total: never throws; see {@link convertMarkdown} for the checked form. */
export function markdownToAdf(md: string): AdfDoc {
  return mdastToAdf(readMarkdown(md));
}

// ---------------------------------------------------------------------------
// mdast -> ADF
// ---------------------------------------------------------------------------

/** Where blocks are being placed: each ADF container allows different children. */
type Place = 'doc' | 'listItem' | 'quote' | 'cell';

interface WriteState {
  ids: number;
}

export function mdastToAdf(tree: MarkdownTree): AdfDoc {
  const state: WriteState = { ids: 0 };
  return { type: 'doc', version: 1, content: blocksToAdf(tree.children, 'doc', state) };
}

const MARK_RANK: Readonly<Record<string, number>> = { link: 0, strong: 1, em: 2, strike: 3, code: 4 };

function blocksToAdf(blocks: readonly RootContent[], place: Place, state: WriteState): AdfNode[] {
  const out: AdfNode[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
        out.push(...paragraphToAdf(block.children, true));
        break;
      case 'heading':
        if (place === 'doc' || place === 'cell') {
          out.push({ type: 'heading', attrs: { level: block.depth }, content: inlinesToAdf(block.children) });
        } else out.push(...paragraphToAdf(block.children, true));
        break;
      case 'thematicBreak':
        if (place === 'doc' || place === 'cell') out.push({ type: 'rule' });
        break;
      case 'code':
        out.push({
          type: 'codeBlock',
          ...(block.lang ? { attrs: { language: block.lang } } : {}),
          content: block.value === '' ? [] : [{ type: 'text', text: block.value }],
        });
        break;
      case 'blockquote':
        if (place === 'doc' || place === 'cell') {
          out.push({ type: 'blockquote', content: nonEmpty(blocksToAdf(block.children, 'quote', state)) });
        } else out.push(...blocksToAdf(block.children, place, state));
        break;
      case 'list':
        out.push(listToAdf(block, place, state));
        break;
      case 'table':
        if (place === 'doc') out.push(tableToAdf(block));
        else out.push(...block.children.map((row) => ({ type: 'paragraph', content: rowAsInline(row) })));
        break;
      default:
        break;
    }
  }
  return out;
}

function nonEmpty(content: AdfNode[]): AdfNode[] {
  return content.length > 0 ? content : [{ type: 'paragraph', content: [] }];
}

/** A paragraph, split around its images when media may stand there. */
function paragraphToAdf(children: readonly PhrasingContent[], mediaAllowed: boolean): AdfNode[] {
  if (!mediaAllowed || !children.some(hasImage)) return [{ type: 'paragraph', content: inlinesToAdf(children) }];
  const out: AdfNode[] = [];
  let run: PhrasingContent[] = [];
  const flush = (): void => {
    const content = trimEdges(inlinesToAdf(run));
    if (content.length > 0) out.push({ type: 'paragraph', content });
    run = [];
  };
  for (const child of children) {
    if (child.type === 'image' || (child.type === 'link' && child.children.length === 1 && child.children[0]?.type === 'image')) {
      flush();
      const image = child.type === 'image' ? child : (child.children[0] as PhrasingContent & { type: 'image' });
      out.push(mediaSingle(image.url, image.alt ?? '', child.type === 'link' ? child.url : undefined));
    } else run.push(child);
  }
  flush();
  return out.length > 0 ? out : [{ type: 'paragraph', content: [] }];
}

function hasImage(node: PhrasingContent): boolean {
  return node.type === 'image' || (node.type === 'link' && node.children.length === 1 && node.children[0]?.type === 'image');
}

function mediaSingle(url: string, alt: string, href: string | undefined): AdfNode {
  return {
    type: 'mediaSingle',
    attrs: { layout: 'center' },
    content: [{ type: 'media', attrs: { type: 'external', url, ...(alt !== '' ? { alt } : {}) } }],
    ...(href !== undefined ? { marks: [{ type: 'link', attrs: { href } }] } : {}),
  };
}

/** Trims spaces at the ends of a split paragraph (the image took their place). */
function trimEdges(content: AdfNode[]): AdfNode[] {
  const out = [...content];
  const first = out[0];
  if (first?.type === 'text' && first.text !== undefined) {
    const t = first.text.replace(/^\s+/, '');
    if (t === '') out.shift();
    else out[0] = { ...first, text: t };
  }
  const last = out[out.length - 1];
  if (last?.type === 'text' && last.text !== undefined) {
    const t = last.text.replace(/\s+$/, '');
    if (t === '') out.pop();
    else out[out.length - 1] = { ...last, text: t };
  }
  return out;
}

function isTaskList(list: List, place: Place): boolean {
  if (place === 'quote' || list.children.length === 0) return false;
  return list.children.every((item) => {
    if (item.checked === null || item.checked === undefined) return false;
    const [first, ...rest] = item.children;
    if (first !== undefined && first.type !== 'paragraph') return false;
    if (first?.children.some(hasImage)) return false;
    return rest.every((b) => b.type === 'list' && isTaskList(b, place));
  });
}

function listToAdf(list: List, place: Place, state: WriteState): AdfNode {
  if (isTaskList(list, place)) return taskListToAdf(list, state);
  const items = list.children.map((item) => listItemToAdf(item, state));
  return list.ordered
    ? { type: 'orderedList', attrs: { order: Math.max(0, list.start ?? 1) }, content: items }
    : { type: 'bulletList', content: items };
}

function taskListToAdf(list: List, state: WriteState): AdfNode {
  const content: AdfNode[] = [];
  for (const item of list.children) {
    const [first, ...rest] = item.children;
    state.ids++;
    content.push({
      type: 'taskItem',
      attrs: { localId: `task-${state.ids}`, state: item.checked ? 'DONE' : 'TODO' },
      content: first?.type === 'paragraph' ? inlinesToAdf(first.children) : [],
    });
    for (const nested of rest) if (nested.type === 'list') content.push(taskListToAdf(nested, state));
  }
  state.ids++;
  return { type: 'taskList', attrs: { localId: `tasks-${state.ids}` }, content };
}

function listItemToAdf(item: ListItem, state: WriteState): AdfNode {
  const blocks: RootContent[] = [...item.children];
  if (item.checked === true || item.checked === false) {
    const box = { type: 'text', value: item.checked ? '[x] ' : '[ ] ' } as const;
    const first = blocks[0];
    if (first?.type === 'paragraph') blocks[0] = { ...first, children: [box, ...first.children] };
    else blocks.unshift({ type: 'paragraph', children: [box] });
  }
  const content = blocksToAdf(blocks, 'listItem', state);
  const first = content[0];
  if (!first || (first.type !== 'paragraph' && first.type !== 'codeBlock' && first.type !== 'mediaSingle')) {
    content.unshift({ type: 'paragraph', content: [] });
  }
  return { type: 'listItem', content };
}

function tableToAdf(table: Table): AdfNode {
  return {
    type: 'table',
    attrs: { isNumberColumnEnabled: false, layout: 'default' },
    content: table.children.map((row, r) => ({
      type: 'tableRow',
      content: row.children.map((cell) => ({
        type: r === 0 ? 'tableHeader' : 'tableCell',
        attrs: {},
        content: paragraphToAdf(cell.children, true),
      })),
    })),
  };
}

function rowAsInline(row: TableRow): AdfNode[] {
  const out: AdfNode[] = [];
  row.children.forEach((cell, i) => {
    if (i > 0) out.push({ type: 'text', text: ' | ' });
    out.push(...inlinesToAdf(cell.children));
  });
  return mergeText(out);
}

function inlinesToAdf(nodes: readonly PhrasingContent[]): AdfNode[] {
  const out: AdfNode[] = [];
  const walk = (list: readonly PhrasingContent[], marks: readonly AdfMark[]): void => {
    for (const node of list) {
      switch (node.type) {
        case 'text':
          if (node.value !== '') out.push(textNode(node.value, marks));
          break;
        case 'inlineCode':
          if (node.value !== '') {
            out.push(textNode(node.value, [...marks.filter((m) => m.type === 'link'), { type: 'code' }]));
          }
          break;
        case 'break':
          out.push({ type: 'hardBreak' });
          break;
        case 'emphasis':
          walk(node.children, withMark(marks, { type: 'em' }));
          break;
        case 'strong':
          walk(node.children, withMark(marks, { type: 'strong' }));
          break;
        case 'delete':
          walk(node.children, withMark(marks, { type: 'strike' }));
          break;
        case 'link': {
          // ADF cannot hold a link without text: the URL becomes its text.
          const children: readonly PhrasingContent[] = node.children.length > 0 ? node.children : [{ type: 'text', value: node.url }];
          walk(children, withMark(marks.filter((m) => m.type !== 'link'), { type: 'link', attrs: { href: node.url } }));
          break;
        }
        case 'image': {
          // Media cannot stand here: the alt text, linked to the image (unless already in a link).
          const text = node.alt ? node.alt : node.url;
          const inLink = marks.some((m) => m.type === 'link');
          if (text !== '') out.push(textNode(text, inLink ? marks : withMark(marks, { type: 'link', attrs: { href: node.url } })));
          break;
        }
        default:
          break;
      }
    }
  };
  walk(nodes, []);
  return mergeText(out);
}

function withMark(marks: readonly AdfMark[], mark: AdfMark): AdfMark[] {
  if (marks.some((m) => m.type === mark.type)) return [...marks];
  return [...marks, mark].sort((a, b) => (MARK_RANK[a.type] ?? 9) - (MARK_RANK[b.type] ?? 9));
}

function textNode(text: string, marks: readonly AdfMark[]): AdfNode {
  const allowed = marks.some((m) => m.type === 'code') ? marks.filter((m) => m.type === 'code' || m.type === 'link') : marks;
  return allowed.length > 0 ? { type: 'text', text, marks: allowed } : { type: 'text', text };
}

function sameMarks(a: readonly AdfMark[] | undefined, b: readonly AdfMark[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((m, i) => m.type === y[i]?.type && JSON.stringify(m.attrs) === JSON.stringify(y[i]?.attrs));
}

/** Adjacent text nodes with the same marks become one. */
function mergeText(nodes: AdfNode[]): AdfNode[] {
  const out: AdfNode[] = [];
  for (const node of nodes) {
    const last = out[out.length - 1];
    if (last && last.type === 'text' && node.type === 'text' && sameMarks(last.marks, node.marks)) {
      out[out.length - 1] = { ...last, text: `${last.text ?? ''}${node.text ?? ''}` };
    } else out.push(node);
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

// ---------------------------------------------------------------------------
// ADF -> mdast -> Markdown
// ---------------------------------------------------------------------------

/** Nodes of ADF read at most; the rest of a larger document is left out. */
export const ADF_READ_MAX_NODES = 500_000;
/** Nesting read at most; deeper content keeps only its text. */
export const ADF_READ_MAX_DEPTH = 64;

const INLINE_TYPES = new Set([
  'text',
  'hardBreak',
  'mention',
  'emoji',
  'status',
  'date',
  'inlineCard',
  'mediaInline',
  'placeholder',
  'inlineExtension',
]);

interface ReadState {
  budget: number;
}

/**
 * ADF to Markdown (GFM). Total: any input (a doc, a JSON string of one, anything else)
 * gives a string of at most `MARKDOWN_OUTPUT_MAX_LENGTH` characters, and nothing throws.
 * Atlassian's own nodes: mentions `@Name`, emoji `:short_name:`, status `[STATUS]`, dates
 * `YYYY-MM-DD`, panels as quotes led by their type, expands led by their title, cards as
 * links, media as `![alt](url)` (an attachment as `![alt](name)`), task lists as GFM task
 * lists, tables as GFM tables (a cell's blocks joined by `<br>`). Unknown nodes keep their text.
 */
export function adfToMarkdown(adf: unknown): string {
  return writeMarkdown(adfToMdast(adf));
}

export function adfToMdast(adf: unknown): Root {
  let doc = adf;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return { type: 'root', children: [{ type: 'paragraph', children: [{ type: 'text', value: adf as string }] }] };
    }
  }
  const state: ReadState = { budget: ADF_READ_MAX_NODES };
  const content = isRecord(doc) ? doc['content'] : Array.isArray(doc) ? doc : undefined;
  return { type: 'root', children: readBlocks(arrayOf(content), state, 0) as RootContent[] };
}

function arrayOf(u: unknown): unknown[] {
  return Array.isArray(u) ? u : [];
}

function str(u: unknown): string {
  return typeof u === 'string' ? u : typeof u === 'number' && Number.isFinite(u) ? String(u) : '';
}

function attrsOf(node: Record<string, unknown>): Record<string, unknown> {
  const a = node['attrs'];
  return isRecord(a) ? a : {};
}

/** Text of any subtree, iteratively and within the node budget. */
function plainText(u: unknown, state: ReadState): string {
  const parts: string[] = [];
  const stack: unknown[] = [u];
  while (stack.length > 0 && state.budget > 0) {
    const n = stack.pop();
    state.budget--;
    if (!isRecord(n)) continue;
    const t = inlineText(n);
    if (t !== undefined) parts.push(t);
    const content = arrayOf(n['content']);
    for (let i = content.length - 1; i >= 0; i--) stack.push(content[i]);
  }
  return parts.join(' ').replace(/\s+/g, ' ');
}

/** The text an inline node of Atlassian's own shows, or undefined for other nodes. */
function inlineText(n: Record<string, unknown>): string | undefined {
  const attrs = attrsOf(n);
  switch (n['type']) {
    case 'text':
      return str(n['text']);
    case 'mention': {
      const name = str(attrs['text']) || str(attrs['id']);
      return name === '' ? '@' : name.startsWith('@') ? name : `@${name}`;
    }
    case 'emoji': {
      const short = str(attrs['shortName']);
      if (short !== '') return /^:.*:$/.test(short) ? short : `:${short}:`;
      return str(attrs['text']);
    }
    case 'status':
      return `[${str(attrs['text']).toUpperCase()}]`;
    case 'date': {
      const ms = Number(str(attrs['timestamp']));
      return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString().slice(0, 10) : '';
    }
    case 'placeholder':
      return '';
    case 'inlineExtension':
      return str(attrs['text']);
    default:
      return undefined;
  }
}

function readBlocks(nodes: readonly unknown[], state: ReadState, depth: number): BlockContent[] {
  const out: BlockContent[] = [];
  let inline: unknown[] = [];
  const flushInline = (): void => {
    if (inline.length > 0) {
      const children = readInline(inline, state, depth);
      if (children.length > 0) out.push({ type: 'paragraph', children });
      inline = [];
    }
  };
  for (const node of nodes) {
    if (state.budget <= 0) break;
    if (!isRecord(node)) continue;
    const type = str(node['type']);
    if (INLINE_TYPES.has(type)) {
      inline.push(node);
      continue;
    }
    flushInline();
    state.budget--;
    if (depth >= ADF_READ_MAX_DEPTH) {
      const value = plainText(node, state).trim();
      if (value !== '') out.push({ type: 'paragraph', children: [{ type: 'text', value }] });
      continue;
    }
    out.push(...readBlock(node, type, state, depth));
  }
  flushInline();
  return out;
}

function readBlock(node: Record<string, unknown>, type: string, state: ReadState, depth: number): BlockContent[] {
  const attrs = attrsOf(node);
  const content = arrayOf(node['content']);
  const inner = (): BlockContent[] => readBlocks(content, state, depth + 1);
  switch (type) {
    case 'paragraph': {
      const children = readInline(content, state, depth);
      return children.length > 0 ? [{ type: 'paragraph', children }] : [];
    }
    case 'heading': {
      const level = Math.min(6, Math.max(1, Math.trunc(Number(attrs['level'])) || 1)) as Heading['depth'];
      return [{ type: 'heading', depth: level, children: readInline(content, state, depth) }];
    }
    case 'bulletList':
    case 'orderedList':
    case 'decisionList': {
      const items = content.filter(isRecord).map((item) => readItem(item, state, depth + 1));
      if (items.length === 0) return [];
      const order = Math.trunc(Number(attrs['order']));
      return [
        {
          type: 'list',
          ordered: type === 'orderedList',
          start: type === 'orderedList' ? (Number.isFinite(order) && order >= 0 ? order : 1) : null,
          spread: false,
          children: items,
        },
      ];
    }
    case 'taskList':
      return [readTaskList(content, state, depth + 1)].filter((l) => l.children.length > 0);
    case 'listItem':
    case 'taskItem':
    case 'decisionItem':
    case 'blockTaskItem':
      return [{ type: 'list', ordered: false, spread: false, children: [readItem(node, state, depth + 1)] }];
    case 'codeBlock':
      return [{ type: 'code', lang: cleanLang(str(attrs['language'])), meta: null, value: plainCode(content, state) }];
    case 'blockquote':
      return [{ type: 'blockquote', children: inner() }];
    case 'rule':
      return [{ type: 'thematicBreak' }];
    case 'panel': {
      const kind = str(attrs['panelType']) || 'info';
      return [{ type: 'blockquote', children: ledBy(`${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)}:`, inner()) }];
    }
    case 'expand':
    case 'nestedExpand': {
      const title = str(attrs['title']).trim();
      return [{ type: 'paragraph', children: [{ type: 'strong', children: [{ type: 'text', value: title || 'Details' }] }] }, ...inner()];
    }
    case 'table':
      return readTable(content, state, depth);
    case 'mediaSingle':
    case 'mediaGroup': {
      const out: BlockContent[] = [];
      const images: PhrasingContent[] = [];
      for (const child of content) {
        if (!isRecord(child)) continue;
        state.budget--;
        if (child['type'] === 'caption') {
          const text = plainText(child, state).trim();
          if (text !== '') out.push({ type: 'paragraph', children: [{ type: 'text', value: text }] });
        } else {
          const media = readMedia(child);
          if (media) images.push(media);
        }
      }
      const href = linkHref(node['marks']);
      const linked = href !== undefined ? [{ type: 'link' as const, url: href, title: null, children: images as never }] : images;
      return images.length > 0 ? [{ type: 'paragraph', children: linked as PhrasingContent[] }, ...out] : out;
    }
    case 'media': {
      const media = readMedia(node);
      return media ? [{ type: 'paragraph', children: [media] }] : [];
    }
    case 'blockCard':
    case 'embedCard': {
      const url = cardUrl(attrs);
      return url ? [{ type: 'paragraph', children: [{ type: 'link', url, title: null, children: [{ type: 'text', value: url }] }] }] : [];
    }
    case 'layoutSection':
    case 'layoutColumn':
    case 'bodiedExtension':
    case 'bodiedSyncBlock':
    case 'syncBlock':
    case 'doc':
      return inner();
    case 'extension':
      return [];
    default: {
      if (content.length > 0) return inner();
      const text = str(node['text']) || str(attrs['text']);
      return text !== '' ? [{ type: 'paragraph', children: [{ type: 'text', value: text }] }] : [];
    }
  }
}

function cleanLang(lang: string): string | null {
  return /^[A-Za-z0-9_+#.-]{1,40}$/.test(lang) ? lang : null;
}

function plainCode(content: readonly unknown[], state: ReadState): string {
  let value = '';
  for (const c of content) {
    if (state.budget-- <= 0) break;
    if (isRecord(c)) value += c['type'] === 'hardBreak' ? '\n' : str(c['text']);
  }
  return value;
}

function ledBy(label: string, blocks: BlockContent[]): BlockContent[] {
  const lead: PhrasingContent[] = [{ type: 'strong', children: [{ type: 'text', value: label }] }];
  const first = blocks[0];
  if (first?.type === 'paragraph') {
    return [{ type: 'paragraph', children: [...lead, { type: 'text', value: ' ' }, ...first.children] }, ...blocks.slice(1)];
  }
  return [{ type: 'paragraph', children: lead }, ...blocks];
}

function readItem(item: Record<string, unknown>, state: ReadState, depth: number): ListItem {
  const type = str(item['type']);
  const content = arrayOf(item['content']);
  const attrs = attrsOf(item);
  if (type === 'taskItem' || type === 'decisionItem') {
    const children = readInline(content, state, depth);
    return {
      type: 'listItem',
      spread: false,
      checked: type === 'taskItem' ? attrs['state'] === 'DONE' : null,
      children: children.length > 0 ? [{ type: 'paragraph', children }] : [],
    };
  }
  return {
    type: 'listItem',
    spread: false,
    checked: type === 'blockTaskItem' ? attrs['state'] === 'DONE' : null,
    children: readBlocks(content, state, depth + 1),
  };
}

function readTaskList(content: readonly unknown[], state: ReadState, depth: number): List {
  const items: ListItem[] = [];
  for (const child of content) {
    if (!isRecord(child) || state.budget <= 0) continue;
    state.budget--;
    if (child['type'] === 'taskList') {
      if (depth >= ADF_READ_MAX_DEPTH) continue;
      const nested = readTaskList(arrayOf(child['content']), state, depth + 1);
      if (nested.children.length === 0) continue;
      const last = items[items.length - 1];
      if (last) last.children.push(nested);
      else items.push({ type: 'listItem', spread: false, checked: false, children: [nested] });
    } else items.push(readItem(child, state, depth));
  }
  return { type: 'list', ordered: false, spread: false, children: items };
}

function readTable(rows: readonly unknown[], state: ReadState, depth: number): BlockContent[] {
  const out: TableRow[] = [];
  for (const row of rows) {
    if (!isRecord(row) || state.budget <= 0) continue;
    state.budget--;
    const cells: TableCell[] = [];
    for (const cell of arrayOf(row['content'])) {
      if (!isRecord(cell) || state.budget <= 0) continue;
      state.budget--;
      const blocks = readBlocks(arrayOf(cell['content']), state, depth + 2);
      const children = blocksAsPhrasing(blocks);
      cells.push({ type: 'tableCell', children });
      const span = Math.trunc(Number(attrsOf(cell)['colspan']));
      for (let i = 1; i < Math.min(span, 100); i++) cells.push({ type: 'tableCell', children: [] });
    }
    if (cells.length > 0) out.push({ type: 'tableRow', children: cells });
  }
  return out.length > 0 ? [{ type: 'table', align: null, children: out } satisfies Table] : [];
}

/** A table cell holds one line: its blocks are joined with `<br>` (read back as a hard break). */
function blocksAsPhrasing(blocks: readonly BlockContent[]): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const push = (children: readonly PhrasingContent[]): void => {
    if (children.length === 0) return;
    if (out.length > 0) out.push({ type: 'html', value: '<br>' });
    out.push(...children.map((c) => (c.type === 'break' ? ({ type: 'html', value: '<br>' } as const) : c)));
  };
  for (const block of blocks) {
    if (block.type === 'paragraph' || block.type === 'heading') push(block.children);
    else if (block.type === 'code') push([{ type: 'inlineCode', value: block.value.replace(/\n/g, ' ') }]);
    else if (block.type === 'list') {
      for (const item of block.children) {
        const mark = item.checked === true ? '[x] ' : item.checked === false ? '[ ] ' : '- ';
        push([{ type: 'text', value: mark }, ...blocksAsPhrasing(item.children as BlockContent[])]);
      }
    } else if (block.type === 'blockquote') push(blocksAsPhrasing(block.children as BlockContent[]));
    else if (block.type === 'table') {
      for (const row of block.children) for (const cell of row.children) push(cell.children);
    }
  }
  return out;
}

function readMedia(node: Record<string, unknown>): PhrasingContent | undefined {
  const attrs = attrsOf(node);
  const alt = str(attrs['alt']);
  if (attrs['type'] === 'external') {
    const url = str(attrs['url']);
    if (url !== '' && isAllowedHref(url)) return { type: 'image', url, alt, title: null };
    return alt !== '' ? { type: 'text', value: alt } : undefined;
  }
  const name = alt || str(attrs['id']);
  return name !== '' ? { type: 'image', url: name, alt: alt || 'attachment', title: null } : undefined;
}

function cardUrl(attrs: Record<string, unknown>): string | undefined {
  const data = attrs['data'];
  const url = str(attrs['url']) || (isRecord(data) ? str(data['url']) : '');
  return url !== '' && isAllowedHref(url) ? url : undefined;
}

function linkHref(marks: unknown): string | undefined {
  for (const m of arrayOf(marks)) {
    if (isRecord(m) && m['type'] === 'link') {
      const href = str(attrsOf(m)['href']);
      if (href !== '' && isAllowedHref(href)) return href;
    }
  }
  return undefined;
}

/** Inline ADF nodes to phrasing content: marks become nested emphasis, strong, delete, links, code. */
function readInline(nodes: readonly unknown[], state: ReadState, depth: number): PhrasingContent[] {
  interface Item {
    readonly marks: string[];
    readonly hrefs: Map<string, string>;
    readonly leaf: PhrasingContent;
  }
  const items: Item[] = [];
  for (const node of nodes) {
    if (state.budget-- <= 0) break;
    if (!isRecord(node)) continue;
    const type = str(node['type']);
    const attrs = attrsOf(node);
    if (type === 'hardBreak') {
      items.push({ marks: [], hrefs: new Map(), leaf: { type: 'break' } });
      continue;
    }
    if (type === 'inlineCard' || type === 'mediaInline') {
      const url = type === 'inlineCard' ? cardUrl(attrs) : undefined;
      if (url) items.push({ marks: [], hrefs: new Map(), leaf: { type: 'link', url, title: null, children: [{ type: 'text', value: url }] } });
      else if (type === 'mediaInline') {
        const media = readMedia(node);
        if (media) items.push({ marks: [], hrefs: new Map(), leaf: media });
      }
      continue;
    }
    let text = inlineText(node);
    if (text === undefined) text = depth < ADF_READ_MAX_DEPTH ? plainText(node, state) : '';
    if (text === '') continue;
    const marks: string[] = [];
    const hrefs = new Map<string, string>();
    let code = false;
    for (const m of arrayOf(node['marks'])) {
      if (!isRecord(m)) continue;
      const mt = str(m['type']);
      if (mt === 'code') code = true;
      else if (mt === 'link') {
        const href = str(attrsOf(m)['href']);
        if (isAllowedHref(href)) {
          const key = `link:${href}`;
          hrefs.set(key, href);
          if (!marks.includes(key)) marks.push(key);
        }
      } else if ((mt === 'strong' || mt === 'em' || mt === 'strike') && !marks.includes(mt)) marks.push(mt);
    }
    marks.sort((a, b) => (MARK_RANK[a.startsWith('link:') ? 'link' : a] ?? 9) - (MARK_RANK[b.startsWith('link:') ? 'link' : b] ?? 9));
    items.push({ marks, hrefs, leaf: code ? { type: 'inlineCode', value: text } : { type: 'text', value: text } });
  }
  /** Wraps runs of items in the mark that spans the longest run first, so `~~**a** b~~` stays one strike. */
  const nest = (list: readonly Item[]): PhrasingContent[] => {
    const out: PhrasingContent[] = [];
    let i = 0;
    while (i < list.length) {
      const item = list[i] as Item;
      let best: string | undefined;
      let bestEnd = i;
      for (const mark of item.marks) {
        let j = i;
        while (j < list.length && list[j]?.marks.includes(mark)) j++;
        if (j > bestEnd) {
          best = mark;
          bestEnd = j;
        }
      }
      if (best === undefined) {
        const last = out[out.length - 1];
        if (item.leaf.type === 'text' && last?.type === 'text') last.value += item.leaf.value;
        else out.push(item.leaf.type === 'text' ? { ...item.leaf } : item.leaf);
        i++;
        continue;
      }
      const mark = best;
      const inner = list.slice(i, bestEnd).map((it) => ({ ...it, marks: it.marks.filter((m) => m !== mark) }));
      const children = nest(inner);
      if (mark.startsWith('link:')) out.push({ type: 'link', url: item.hrefs.get(mark) ?? '', title: null, children });
      else if (mark === 'strong') out.push({ type: 'strong', children });
      else if (mark === 'em') out.push({ type: 'emphasis', children });
      else out.push({ type: 'delete', children });
      i = bestEnd;
    }
    return out;
  };
  return nest(items);
}

export type { Paragraph };
