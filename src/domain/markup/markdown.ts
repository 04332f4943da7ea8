/**
 * Markdown in and out, on the unified/mdast ecosystem: `mdast-util-from-markdown` with the
 * GFM extensions parses (CommonMark 0.31 plus tables, task lists, strikethrough, autolink
 * literals, footnotes), `mdast-util-to-markdown` writes. Our own code only prepares the
 * input, normalises the tree the renderers share, and bounds the work.
 *
 * Why the preparation: micromark is correct but some shapes cost it quadratic time or
 * overflow its stack (a thousand nested `>`, a long paragraph of unmatched `*`, every
 * container that closes re-splices the whole event list). So, in one linear pass before
 * parsing, {@link prepareMarkdown}:
 * - replaces NUL and lone surrogates with U+FFFD (micromark does NUL itself; surrogates
 *   cannot be sent as UTF-8, so the three formats all see the same replacement);
 * - makes a container marker (`>` or a list marker) that would open a level deeper than
 *   {@link MARKDOWN_MAX_DEPTH} literal text by escaping it;
 * - escapes runs of `*`, `_` or `~` longer than {@link MARKDOWN_MAX_RUN} (they cannot be
 *   emphasis within the depth limit anyway), and every delimiter of a paragraph past
 *   {@link MARKDOWN_MAX_DELIMITERS};
 * - finds places where the document can be cut into independent top-level pieces (blank
 *   lines before an unindented line outside fences and HTML blocks, sibling list items,
 *   blockquote paragraphs), so a large document is parsed in pieces of about
 *   {@link CHUNK_CHARS} characters and the pieces' trees joined (adjacent lists and quotes
 *   that were cut are merged back; link reference definitions are given to every piece).
 *
 * {@link readMarkdown} is total: it never throws and always answers a tree no deeper than
 * the limits. {@link parseMarkdown} is the checked form the use cases call: it answers a
 * VALIDATION naming the limit when the input is too long or had to be neutralised.
 */
import * as E from 'fp-ts/lib/Either.js';
import type {
  Blockquote,
  Definition,
  Image,
  Link,
  List,
  ListItem,
  Nodes,
  Parent,
  Paragraph,
  PhrasingContent,
  Root,
  RootContent,
  Table,
  TableCell,
  Text,
} from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown, gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown, type Handle } from 'mdast-util-to-markdown';
import { gfmFootnote } from 'micromark-extension-gfm-footnote';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import { gfmTable } from 'micromark-extension-gfm-table';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { Parser } from 'htmlparser2';
import { AppError } from '../errors.js';
import { fastMarkdown } from './markdown-writer.js';

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/** Containers (quotes, list items) and inline wrappers (emphasis, links) nest at most this deep. */
export const MARKDOWN_MAX_DEPTH = 32;
/** Emphasis/strike delimiter runs and link brackets (`[`, `]`) in one paragraph, at most. */
export const MARKDOWN_MAX_DELIMITERS = 1000;
/** A run of `*`, `_` or `~` longer than this is literal text. */
export const MARKDOWN_MAX_RUN = 64;
/** Characters of Markdown {@link parseMarkdown} accepts. */
export const MARKDOWN_MAX_LENGTH = 10_000_000;
/** Characters of Markdown the readers (ADF, storage, wiki to Markdown) answer at most. */
export const MARKDOWN_OUTPUT_MAX_LENGTH = 2_000_000;
/** Target size of the pieces a large document is parsed in. */
export const CHUNK_CHARS = 1024;

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

/**
 * Whether a URL may become a link (or image source). Only the script-capable schemes are
 * refused: `javascript:`, `vbscript:` and `data:`, in any case, with the tabs, line breaks
 * and control characters browsers ignore inside a scheme removed first. Relative links,
 * `#anchors`, `mailto:` and any other scheme pass.
 */
export function isAllowedHref(href: string): boolean {
  if (typeof href !== 'string') return false;
  // eslint-disable-next-line no-control-regex
  const squeezed = href.replace(/[\u0000-\u0020\u007f-\u009f]+/g, '').toLowerCase();
  return !/^(?:javascript|vbscript|data):/.test(squeezed);
}

// ---------------------------------------------------------------------------
// Preparation: one linear pass over the lines
// ---------------------------------------------------------------------------

/** Which limit a preparation (or the parse) had to enforce. */
export type MarkdownLimit = 'depth' | 'delimiters' | 'length';

interface Cut {
  /** offset in the prepared text where a piece may start */
  readonly at: number;
  /** what the first line starts, when the pieces' trees must be merged across the cut */
  readonly joins?: 'list' | 'quote';
}

export interface PreparedMarkdown {
  readonly text: string;
  readonly cuts: readonly Cut[];
  /** link reference definitions (single lines), given to every piece */
  readonly definitions: string;
  /** whether {@link restore} must run on the parsed tree */
  readonly placeholders: boolean;
  readonly limit?: MarkdownLimit;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NUL and lone surrogates become U+FFFD; line endings are kept. */
export function wellFormed(s: string): string {
  const t = s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
  // The lookbehind pattern is slow to run over megabytes: only when there is a surrogate at all.
  return /[\uD800-\uDFFF]/.test(t) ? t.replace(LONE_SURROGATE, '\uFFFD') : t;
}

const THEMATIC = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const DEFINITION = /^ {0,3}\[(?:[^\\\]]|\\.){1,999}\]:/;
const HTML_RAW_OPEN = /^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)/i;
/** HTML blocks that blank lines do not end (CommonMark types 2 to 5): where each ends. */
const HTML_BLOCK_ENDS: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^ {0,3}<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Za-z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
];

/** Whether the line starts (after at most three spaces) with `<`: the cheap test before the HTML block patterns. */
function startsWithTag(line: string): boolean {
  for (let i = 0; i < 4 && i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 60) return true;
    if (c !== 32) return false;
  }
  return false;
}

interface Fence {
  readonly char: string;
  readonly length: number;
  readonly quotes: number;
  readonly indent: number;
}

function countQuotes(line: string): { quotes: number; rest: number } {
  let i = 0;
  let quotes = 0;
  for (;;) {
    let j = i;
    while (j < line.length && j - i < 4 && (line[j] === ' ' || line[j] === '\t')) j++;
    if (line[j] === '>' && j - i < 4) {
      quotes++;
      i = j + 1;
      if (line[i] === ' ') i++;
    } else return { quotes, rest: i };
  }
}

function indentOf(line: string, from: number): number {
  let col = 0;
  for (let i = from; i < line.length; i++) {
    if (line[i] === ' ') col++;
    else if (line[i] === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** Length of a list marker (with its one following space) at `i`, or 0. */
function listMarkerAt(line: string, i: number): number {
  const c = line[i];
  if (c === '-' || c === '+' || c === '*') {
    const n = line[i + 1];
    return n === undefined || n === ' ' || n === '\t' ? 1 : 0;
  }
  let j = i;
  while (j < line.length && j - i < 9 && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
  if (j === i || (line[j] !== '.' && line[j] !== ')')) return 0;
  const n = line[j + 1];
  return n === undefined || n === ' ' || n === '\t' ? j - i + 1 : 0;
}

/**
 * One linear pass: neutralises what would nest too deep or cost micromark quadratic time,
 * and finds where a large document can be cut. See the module comment.
 */
export function prepareMarkdown(input: string): PreparedMarkdown {
  const src = wellFormed(input);
  const usePlaceholders = !/[\uE001-\uE005]/.test(src);
  const lines = src.split(/(?<=\r\n|\r(?!\n)|\n)/);
  const out: string[] = [];
  const cuts: Cut[] = [];
  const defs: string[] = [];
  let limit: MarkdownLimit | undefined;
  let offset = 0;
  let fence: Fence | undefined;
  let rawHtmlEnd: RegExp | undefined;
  let prevBlank = true;
  let prevListMarker = false;
  let prevQuoteBlank = false;
  let prevDefinition = false;
  /** content columns of the list items open (approximately) */
  const listStack: number[] = [];
  let delimiters = 0;

  for (const full of lines) {
    // The line ending (split keeps it): \r\n, \r or \n, only ever at the end.
    const n = full.length;
    const endLength = full.charCodeAt(n - 1) === 10 ? (full.charCodeAt(n - 2) === 13 ? 2 : 1) : full.charCodeAt(n - 1) === 13 ? 1 : 0;
    let line = endLength > 0 ? full.slice(0, n - endLength) : full;
    const ending = endLength > 0 ? full.slice(n - endLength) : '';
    const blank = /^[ \t]*$/.test(line);

    if (fence) {
      const q = countQuotes(line);
      const ind = indentOf(line, q.rest);
      const rest = line.slice(q.rest).trimStart();
      if (!blank && (q.quotes < fence.quotes || ind < fence.indent - 3)) {
        fence = undefined; // the container that held the fence ended
      } else {
        let n = 0;
        while (rest[n] === fence.char) n++;
        if (n >= fence.length && /^[ \t]*$/.test(rest.slice(n))) fence = undefined;
        out.push(full);
        offset += full.length;
        prevBlank = false;
        prevListMarker = false;
        prevQuoteBlank = false;
        continue;
      }
    }
    if (rawHtmlEnd) {
      if (rawHtmlEnd.test(line)) rawHtmlEnd = undefined;
      out.push(full);
      offset += full.length;
      prevBlank = false;
      prevQuoteBlank = false;
      continue;
    }

    if (blank) {
      out.push(full);
      offset += full.length;
      prevBlank = true;
      prevQuoteBlank = false;
      delimiters = 0;
      continue;
    }

    // Where a piece may start.
    const first = line[0];
    const lineMarker = listMarkerAt(line, 0) > 0 && !THEMATIC.test(line);
    if (first !== ' ' && first !== '\t') {
      const marker = lineMarker;
      if (prevBlank && !marker) cuts.push({ at: offset });
      else if (marker && (prevBlank || prevListMarker)) cuts.push({ at: offset, joins: 'list' });
      else if (prevQuoteBlank && first === '>' && /^> ?[^\s>\-+*\d]/.test(line)) cuts.push({ at: offset, joins: 'quote' });
    }
    prevQuoteBlank = /^>[ \t]*$/.test(line);
    prevListMarker = lineMarker;
    const wasBlank = prevBlank;
    prevBlank = false;
    // A definition cannot interrupt a paragraph: only one after a blank line or another definition.
    const definition: boolean = (wasBlank || prevDefinition) && DEFINITION.test(line) && line.length < 2000;
    if (definition) defs.push(line);
    prevDefinition = definition;

    // Container prefix: quotes and list markers, counted against the depth limit.
    let i = 0;
    let quotes = 0;
    const indent0 = indentOf(line, 0);
    while (listStack.length > 0 && (listStack[listStack.length - 1] ?? 0) > indent0) listStack.pop();
    let depth = listStack.length;
    for (;;) {
      let j = i;
      while (j < line.length && (line[j] === ' ' || line[j] === '\t')) j++;
      const c = line[j];
      let width = c === '>' ? 1 : listMarkerAt(line, j);
      if (c !== '>' && width > 0 && THEMATIC.test(line.slice(j))) width = 0;
      if (width === 0) {
        i = j;
        break;
      }
      if (depth + 1 > MARKDOWN_MAX_DEPTH) {
        // An ordered marker is neutralised at its delimiter (`1\\.`), the others before them.
        const at = c === '>' || width === 1 ? j : j + width - 1;
        line = `${line.slice(0, at)}\\${line.slice(at)}`;
        limit ??= 'depth';
        i = at + 2;
        break;
      }
      depth++;
      if (c === '>') quotes++;
      else listStack.push(j + width + 1);
      i = j + width;
      if (line[i] === ' ') i++;
    }

    const content = line.slice(i);
    const fenceOpen = /^(`{3,}|~{3,})(.*)$/.exec(content);
    if (fenceOpen && !(fenceOpen[1]?.[0] === '`' && (fenceOpen[2] ?? '').includes('`'))) {
      fence = { char: fenceOpen[1]?.[0] ?? '`', length: fenceOpen[1]?.length ?? 3, quotes, indent: indentOf(line, 0) };
      out.push(line + ending);
      offset += line.length + ending.length;
      continue;
    }
    if (depth === 0 && !startsWithTag(line)) {
      // No HTML block opens here.
    } else if (depth === 0 && HTML_RAW_OPEN.test(line)) {
      const tag = HTML_RAW_OPEN.exec(line)?.[1]?.toLowerCase() ?? 'pre';
      const end = new RegExp(`</${tag}>`, 'i');
      if (!end.test(line)) rawHtmlEnd = end;
    } else if (depth === 0) {
      for (const [open, close] of HTML_BLOCK_ENDS) {
        if (open.test(line)) {
          if (!close.test(line.slice(line.search(open) + 2))) rawHtmlEnd = close;
          break;
        }
      }
    }

    // Inline delimiters: long runs and too many per paragraph become literal.
    const neutral = neutraliseInline(content, delimiters, usePlaceholders);
    delimiters = neutral.count;
    if (neutral.limited) limit ??= 'delimiters';
    line = line.slice(0, i) + neutral.text;
    out.push(line + ending);
    offset += line.length + ending.length;
  }
  const text = out.join('');
  return {
    text,
    cuts,
    definitions: defs.join('\n\n'),
    placeholders: usePlaceholders && /[\uE001-\uE005]/.test(text),
    ...(limit ? { limit } : {}),
  };
}

/**
 * Delimiters past the limits are replaced by private-use characters, which micromark reads
 * as plain text in linear time (backslash escapes cost it an event each, and GFM's autolink
 * literals walk back over those events), and put back after parsing by {@link restore}.
 * Input that already holds one of these characters is escaped with backslashes instead.
 */
const PLACEHOLDER: Readonly<Record<string, string>> = { '*': '\uE001', _: '\uE002', '~': '\uE003', '[': '\uE004', ']': '\uE005' };
const FROM_PLACEHOLDER: Readonly<Record<string, string>> = { '\uE001': '*', '\uE002': '_', '\uE003': '~', '\uE004': '[', '\uE005': ']' };
const PLACEHOLDERS = /[\uE001-\uE005]/g;

/** Puts back the delimiters {@link prepareMarkdown} replaced. */
function restore(s: string): string {
  return s.replace(PLACEHOLDERS, (c) => FROM_PLACEHOLDER[c] ?? c);
}

function neutraliseInline(
  s: string,
  counted: number,
  usePlaceholders: boolean,
): { text: string; count: number; limited: boolean } {
  const neutral = (c: string, n: number): string => (usePlaceholders ? (PLACEHOLDER[c] ?? c).repeat(n) : `\\${c}`.repeat(n));
  if (THEMATIC.test(s)) return { text: s, count: counted, limited: false };
  let out = '';
  let from = 0;
  let count = counted;
  let limited = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '*' || c === '_' || c === '~') {
      let j = i;
      while (s[j] === c) j++;
      count++;
      if (j - i > MARKDOWN_MAX_RUN || count > MARKDOWN_MAX_DELIMITERS) {
        if (count > MARKDOWN_MAX_DELIMITERS) limited = true;
        out += s.slice(from, i) + neutral(c, j - i);
        from = j;
      }
      i = j - 1;
    } else if (c === '[' || c === ']') {
      count++;
      if (count > MARKDOWN_MAX_DELIMITERS) {
        limited = true;
        out += s.slice(from, i) + neutral(c, 1);
        from = i + 1;
      }
    }
  }
  return { text: from === 0 ? s : out + s.slice(from), count, limited };
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/**
 * GFM without micromark's autolink-literal extension (`micromark-extension-gfm` is exactly
 * these four plus that one). Its constructs walk back over the paragraph's events looking
 * for an unclosed `[` and do not remember the answer, so a single `[` early in a long
 * paragraph makes the parse quadratic (9 s for 120 KB here); and even disabled they are
 * registered on every letter and digit, which cuts the text tokenizer's runs of plain data
 * into one token per character (about a sixth of the parse of the CommonMark spec text).
 * `mdast-util-gfm` finds the same bare URLs, `www.` links and e-mail addresses in the
 * tree's text afterwards (its `transforms`), in linear time, so the result is the same GFM.
 */
const PARSE_OPTIONS = {
  extensions: [gfmFootnote(), gfmStrikethrough(), gfmTable(), gfmTaskListItem()],
  mdastExtensions: [gfmFromMarkdown()],
};

/** The tree the renderers share: mdast, normalised (see {@link normalise}). */
export type MarkdownTree = Root;

/**
 * Parses Markdown without limits beyond neutralisation. Never throws. `chunkChars` is the
 * size of the pieces a large document is parsed in (tests compare it with one piece).
 */
export function readMarkdown(md: string, chunkChars: number = CHUNK_CHARS): MarkdownTree {
  return readPrepared(prepareMarkdown(typeof md === 'string' ? md : ''), chunkChars).tree;
}

/**
 * The checked parse: a VALIDATION naming the limit when the Markdown is longer than
 * {@link MARKDOWN_MAX_LENGTH}, nests deeper than {@link MARKDOWN_MAX_DEPTH} or has a
 * paragraph with more than {@link MARKDOWN_MAX_DELIMITERS} delimiters.
 */
export function parseMarkdown(md: string): E.Either<AppError, MarkdownTree> {
  if (typeof md !== 'string') return E.left(AppError.validation('the Markdown must be a string'));
  if (md.length > MARKDOWN_MAX_LENGTH) return E.left(limitError('length'));
  const prepared = prepareMarkdown(md);
  if (prepared.limit) return E.left(limitError(prepared.limit));
  const { tree, flattened } = readPrepared(prepared);
  return flattened ? E.left(limitError('depth')) : E.right(tree);
}

export function limitError(limit: MarkdownLimit): AppError {
  switch (limit) {
    case 'depth':
      return AppError.validation(`the Markdown nests deeper than ${MARKDOWN_MAX_DEPTH} levels`);
    case 'delimiters':
      return AppError.validation(
        `the Markdown has a paragraph with more than ${MARKDOWN_MAX_DELIMITERS} emphasis or link delimiters`,
      );
    case 'length':
      return AppError.validation(`the Markdown is longer than ${MARKDOWN_MAX_LENGTH} characters`);
  }
}

function readPrepared(prepared: PreparedMarkdown, chunkChars: number = CHUNK_CHARS): { tree: Root; flattened: boolean } {
  const pieces = splitPieces(prepared, chunkChars);
  const ctx: NormaliseContext = { flattened: false, definitions: new Map() };
  const children: RootContent[] = [];
  for (const piece of pieces) {
    const source = piece.prefix + piece.text;
    let tree: Root;
    try {
      tree = fromMarkdown(source, PARSE_OPTIONS);
    } catch {
      // Not expected after preparation; keep the text rather than fail.
      tree = { type: 'root', children: plainParagraphs(piece.text) };
    }
    collectDefinitions(tree, ctx.definitions);
    // The definitions given to the piece are not its content.
    const own = piece.prefix === '' ? tree.children : tree.children.filter((b) => (b.position?.start.offset ?? 0) >= piece.prefix.length);
    const normal = normaliseBlocks(own, source, ctx, 0);
    joinPieces(children, normal, piece.joins);
  }
  const tree: Root = { type: 'root', children };
  if (prepared.placeholders) restoreTree(tree);
  return { tree, flattened: ctx.flattened };
}

function restoreTree(tree: Root): void {
  const stack: Nodes[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop() as Nodes & { value?: string; alt?: string | null; url?: string };
    if (typeof node.value === 'string') node.value = restore(node.value);
    if (typeof node.alt === 'string') node.alt = restore(node.alt);
    if (typeof node.url === 'string') node.url = restore(node.url);
    if ('children' in node) stack.push(...(node.children as Nodes[]));
  }
}

interface Piece {
  readonly text: string;
  readonly prefix: string;
  readonly start: number;
  readonly joins?: 'list' | 'quote';
}

function splitPieces(prepared: PreparedMarkdown, chunkChars: number): Piece[] {
  const { text } = prepared;
  if (text.length <= chunkChars || prepared.cuts.length === 0) return [{ text, prefix: '', start: 0 }];
  const prefix = prepared.definitions.length > 0 && prepared.definitions.length <= 65_536 ? `${prepared.definitions}\n\n` : '';
  const pieces: Piece[] = [];
  let start = 0;
  let joins: 'list' | 'quote' | undefined;
  for (const cut of prepared.cuts) {
    if (cut.at - start < chunkChars) continue;
    pieces.push({ text: text.slice(start, cut.at), prefix, start, ...(joins ? { joins } : {}) });
    start = cut.at;
    joins = cut.joins;
  }
  pieces.push({ text: text.slice(start), prefix, start, ...(joins ? { joins } : {}) });
  return pieces;
}

/** Appends a piece's blocks, merging a list or quote that the cut divided. */
function joinPieces(into: RootContent[], blocks: RootContent[], joins: Piece['joins']): void {
  const last = into[into.length - 1];
  const head = blocks[0];
  if (joins === 'list' && last?.type === 'list' && head?.type === 'list' && sameListKind(last, head)) {
    last.children.push(...head.children);
    last.spread = (last.spread ?? false) || (head.spread ?? false) || last.data?.endsBlank === true;
    last.data = { ...last.data, endsBlank: head.data?.endsBlank === true };
    blocks.shift();
  } else if (joins === 'quote' && last?.type === 'blockquote' && head?.type === 'blockquote') {
    last.children.push(...head.children);
    blocks.shift();
  }
  into.push(...blocks);
}

declare module 'mdast' {
  interface ListData {
    /** the list's marker: `-`, `+`, `*`, `.` or `)` */
    marker?: string;
    /** the piece the list came from ended with a blank line */
    endsBlank?: boolean;
  }
}

function sameListKind(a: List, b: List): boolean {
  return (a.ordered ?? false) === (b.ordered ?? false) && a.data?.marker === b.data?.marker;
}

function plainParagraphs(text: string): Paragraph[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((t) => t.replace(/\s+/g, ' ').trim())
    .filter((t) => t !== '')
    .map((value) => ({ type: 'paragraph', children: [{ type: 'text', value }] }));
}

function collectDefinitions(tree: Root, into: Map<string, Definition>): void {
  const stack: Nodes[] = [tree];
  let seen = 0;
  while (stack.length > 0 && seen < 1_000_000) {
    const node = stack.pop();
    seen++;
    if (!node) break;
    if (node.type === 'definition' && !into.has(node.identifier)) into.set(node.identifier, node);
    if ('children' in node && node.type !== 'paragraph' && node.type !== 'heading') {
      // Document order: the first definition of a label wins.
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as Nodes);
    }
  }
}

// ---------------------------------------------------------------------------
// Normalisation: the tree the renderers see
// ---------------------------------------------------------------------------

interface NormaliseContext {
  flattened: boolean;
  readonly definitions: Map<string, Definition>;
}

/**
 * The renderers see only: paragraph, heading, thematicBreak, blockquote, list/listItem
 * (with `checked`), code, table/tableRow/tableCell; and in phrasing content text,
 * emphasis, strong, delete, inlineCode, break, link, image. To get there:
 * - references are resolved to links and images; definitions are dropped;
 * - a link or image whose URL {@link isAllowedHref} refuses becomes its source text;
 * - raw HTML keeps its text and loses its tags, `<br>` becoming a break;
 * - footnote references stay as `[^label]` text, definitions as a paragraph led by `[^label]:`;
 * - soft line breaks inside text become spaces;
 * - containers or inline wrappers deeper than {@link MARKDOWN_MAX_DEPTH} become text.
 */
function normaliseBlocks(blocks: readonly RootContent[], source: string, ctx: NormaliseContext, depth: number): RootContent[] {
  const out: RootContent[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
      case 'heading': {
        const children = trimEnds(normalisePhrasing(block.children, source, ctx, 0));
        if (block.type === 'paragraph' && children.length === 0 && block.children.length > 0) break;
        out.push({ ...block, children, position: undefined } as RootContent);
        break;
      }
      case 'thematicBreak':
        out.push({ type: 'thematicBreak' });
        break;
      case 'code':
        out.push({ type: 'code', lang: cleanLanguage(block.lang), meta: null, value: block.value });
        break;
      case 'html': {
        const children = trimEnds(htmlToPhrasing(block.value));
        if (children.length > 0) out.push({ type: 'paragraph', children });
        break;
      }
      case 'blockquote':
        if (depth >= MARKDOWN_MAX_DEPTH) {
          ctx.flattened = true;
          out.push(...plainParagraphs(sliceSource(source, block)));
        } else out.push({ type: 'blockquote', children: normaliseBlocks(block.children, source, ctx, depth + 1) as Blockquote['children'] });
        break;
      case 'list': {
        if (depth >= MARKDOWN_MAX_DEPTH) {
          ctx.flattened = true;
          out.push(...plainParagraphs(sliceSource(source, block)));
          break;
        }
        const marker = listMarkerOf(source, block);
        const items: ListItem[] = block.children.map((item) => ({
          type: 'listItem',
          spread: item.spread ?? false,
          checked: item.checked ?? null,
          children: normaliseBlocks(item.children, source, ctx, depth + 1) as ListItem['children'],
        }));
        const end = block.position?.end.offset ?? source.length;
        const endsBlank = /^[^\n]*\n[ \t]*\n/.test(source.slice(end, end + 200));
        out.push({
          type: 'list',
          ordered: block.ordered ?? false,
          start: block.ordered ? (block.start ?? 1) : null,
          // Loose when items are separated by blank lines or any item holds blank-separated blocks.
          spread: (block.spread ?? false) || items.some((item) => item.spread === true),
          children: items,
          data: { marker, endsBlank },
        });
        break;
      }
      case 'table':
        out.push({
          type: 'table',
          align: block.align ?? null,
          children: block.children.map((row) => ({
            type: 'tableRow',
            children: row.children.map((cell): TableCell => ({ type: 'tableCell', children: normalisePhrasing(cell.children, source, ctx, 0) })),
          })),
        } satisfies Table);
        break;
      case 'footnoteDefinition': {
        const inner = normaliseBlocks(block.children, source, ctx, depth + 1);
        const lead: Text = { type: 'text', value: `[^${block.label ?? block.identifier}]: ` };
        const first = inner[0];
        if (first?.type === 'paragraph') first.children.unshift(lead);
        else inner.unshift({ type: 'paragraph', children: [lead] });
        out.push(...inner);
        break;
      }
      case 'definition':
      case 'yaml':
        break;
      default:
        // Anything else a future extension adds keeps its text.
        out.push(...plainParagraphs(sliceSource(source, block)));
    }
  }
  return out;
}

/** Whitespace at the ends of a block's phrasing (left by raw HTML that was dropped) goes. */
function trimEnds<T extends PhrasingContent>(nodes: T[]): T[] {
  const first = nodes[0];
  if (first?.type === 'text') first.value = first.value.replace(/^[ \t]+/, '');
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text') last.value = last.value.replace(/[ \t]+$/, '');
  return nodes.filter((n) => n.type !== 'text' || n.value !== '');
}

function cleanLanguage(lang: string | null | undefined): string | null {
  if (!lang) return null;
  return /^[A-Za-z0-9_+#.-]{1,40}$/.test(lang) ? lang : null;
}

function listMarkerOf(source: string, list: List): string {
  const at = list.position?.start.offset;
  if (at === undefined) return list.ordered ? '.' : '-';
  if (!list.ordered) return source[at] ?? '-';
  let i = at;
  while (i < source.length && source.charCodeAt(i) >= 48 && source.charCodeAt(i) <= 57) i++;
  return source[i] ?? '.';
}

function sliceSource(source: string, node: Nodes): string {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) return textOf(node);
  return source.slice(start, end);
}

/** The text of a node, iteratively (a deep tree cannot overflow the stack). */
export function textOf(node: Nodes): string {
  const parts: string[] = [];
  const stack: Nodes[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (!n) break;
    if ('value' in n && typeof n.value === 'string' && n.type !== 'html') parts.push(n.value);
    else if (n.type === 'break') parts.push(' ');
    else if (n.type === 'image' || n.type === 'imageReference') parts.push(n.alt ?? '');
    if ('children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as Nodes);
  }
  return parts.join('');
}

function normalisePhrasing(
  nodes: readonly PhrasingContent[],
  source: string,
  ctx: NormaliseContext,
  depth: number,
): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const pushText = (value: string): void => {
    if (value === '') return;
    const last = out[out.length - 1];
    if (last?.type === 'text') last.value += value;
    else out.push({ type: 'text', value });
  };
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        pushText(node.value.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, ' '));
        break;
      case 'inlineCode':
        out.push({ type: 'inlineCode', value: node.value });
        break;
      case 'break':
        out.push({ type: 'break' });
        break;
      case 'emphasis':
      case 'strong':
      case 'delete':
        if (depth >= MARKDOWN_MAX_DEPTH) {
          ctx.flattened = true;
          pushText(textOf(node));
        } else {
          const children = normalisePhrasing(node.children, source, ctx, depth + 1);
          if (children.length > 0) out.push({ type: node.type, children } as PhrasingContent);
        }
        break;
      case 'link':
      case 'linkReference': {
        const url = node.type === 'link' ? node.url : ctx.definitions.get(node.identifier)?.url;
        if (url === undefined || !isAllowedHref(url)) {
          pushText(sliceSource(source, node));
        } else if (depth >= MARKDOWN_MAX_DEPTH) {
          ctx.flattened = true;
          pushText(textOf(node));
        } else {
          const children = normalisePhrasing(node.children, source, ctx, depth + 1);
          out.push({ type: 'link', url, title: null, children } satisfies Link);
        }
        break;
      }
      case 'image':
      case 'imageReference': {
        const url = node.type === 'image' ? node.url : ctx.definitions.get(node.identifier)?.url;
        if (url === undefined || !isAllowedHref(url)) pushText(sliceSource(source, node));
        else out.push({ type: 'image', url, alt: node.alt ?? '', title: null } satisfies Image);
        break;
      }
      case 'html':
        for (const n of htmlToPhrasing(node.value)) {
          if (n.type === 'text') pushText(n.value);
          else out.push(n);
        }
        break;
      case 'footnoteReference':
        pushText(`[^${node.label ?? node.identifier}]`);
        break;
      default:
        pushText(textOf(node as Nodes));
    }
  }
  return out;
}

/**
 * Raw HTML never reaches a renderer as markup: its text is kept (entities decoded), tags,
 * comments and declarations dropped, and `<br>` becomes a hard break.
 */
export function htmlToPhrasing(html: string): Array<Text | { type: 'break' }> {
  const out: Array<Text | { type: 'break' }> = [];
  let text = '';
  const flush = (): void => {
    const value = text.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, ' ');
    if (value.trim() !== '') out.push({ type: 'text', value });
    text = '';
  };
  const parser = new Parser(
    {
      ontext(t) {
        text += t;
      },
      onopentag(name) {
        if (name === 'br') {
          flush();
          out.push({ type: 'break' });
        }
      },
    },
    { decodeEntities: true, recognizeCDATA: false },
  );
  try {
    parser.write(html);
    parser.end();
  } catch {
    // htmlparser2 does not throw on bad markup; kept for safety.
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------
// Writing Markdown
// ---------------------------------------------------------------------------

/**
 * Serialises an mdast tree with `mdast-util-to-markdown` and GFM: `*` emphasis, `-`
 * bullets, fenced code, `---` rules. Never throws; the answer is at most
 * {@link MARKDOWN_OUTPUT_MAX_LENGTH} characters (longer output is cut at a line end and
 * ends with an ellipsis paragraph).
 */
/**
 * Text with none of the characters any of mdast-util-to-markdown's (and GFM's) unsafe
 * patterns names, no control characters and no space at either end or twice in a row: its
 * escaping (`state.safe`, the serialiser's dearest step) cannot change it, so it is written as is.
 */
const NEEDS_NO_ESCAPING = /^[^\0-\x20!"#&'()*+\-.:<=>@[\\\]_`|~]+(?: [^\0-\x20!"#&'()*+\-.:<=>@[\\\]_`|~]+)*$/;

const text: Handle = (node: Text, _parent, state, info) => (NEEDS_NO_ESCAPING.test(node.value) ? node.value : state.safe(node.value, info));

export function writeMarkdown(tree: Root): string {
  const fast = fastMarkdown(tree);
  return boundOutput(fast ?? serialiseMarkdown(tree));
}

/** The same through `mdast-util-to-markdown` alone (the fallback of {@link writeMarkdown}, and what tests compare it with). */
export function serialiseMarkdown(tree: Root): string {
  let md: string;
  try {
    md = toMarkdown(tree, {
      extensions: [gfmToMarkdown({ tablePipeAlign: false })],
      handlers: { text },
      bullet: '-',
      emphasis: '*',
      strong: '*',
      fences: true,
      rule: '-',
      listItemIndent: 'one',
    });
  } catch {
    md = textOf(tree);
  }
  return md;
}

export function boundOutput(md: string): string {
  if (md.length <= MARKDOWN_OUTPUT_MAX_LENGTH) return md;
  let cut = md.lastIndexOf('\n', MARKDOWN_OUTPUT_MAX_LENGTH - 10);
  if (cut < MARKDOWN_OUTPUT_MAX_LENGTH / 2) cut = MARKDOWN_OUTPUT_MAX_LENGTH - 10;
  const code = md.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${md.slice(0, cut)}\n\n…\n`;
}

/** Parent nodes, for the readers. */
export type { Parent };
