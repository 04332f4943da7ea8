/**
 * A small, dependency-free Markdown parser producing an internal block/inline
 * AST that the ADF, Confluence storage and Jira wiki renderers share.
 *
 * Supported: paragraphs, ATX headings, emphasis (`*`/`_`), strong (`**`/`__`),
 * inline code, `~~strike~~`, `[text](url)` links (http, https and mailto only),
 * `<https://...>` autolinks, bullet and ordered lists nested by indentation,
 * fenced code blocks, blockquotes, thematic breaks, backslash escapes and hard
 * line breaks. Setext headings, indented code blocks, tables, HTML and
 * reference links are not supported (they come out as plain text).
 *
 * Safety: the parser never throws (a last-resort fallback returns the input as
 * plain paragraphs) and runs in linear time on hostile input: emphasis uses the
 * CommonMark delimiter-stack algorithm with per-kind "openers bottom" indexes,
 * code spans and link destinations are matched with precomputed tables, and
 * container nesting is capped at MAX_CONTAINER_DEPTH.
 *
 * Inline content is kept flat, mirroring ADF: a sequence of text runs, each with
 * a set of marks, plus hard breaks. Nested emphasis therefore cannot produce a
 * deep tree, and a mark never appears twice on one run.
 */

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

export type Mark =
  | { readonly type: 'strong' }
  | { readonly type: 'em' }
  | { readonly type: 'strike' }
  | { readonly type: 'code' }
  | { readonly type: 'link'; readonly href: string };

export type MarkType = Mark['type'];

/** A run of text (never empty) with its marks in canonical order, or a hard line break. */
export type Inline =
  { readonly type: 'text'; readonly text: string; readonly marks: readonly Mark[] } | { readonly type: 'hardBreak' };

export type HeadingLevel = 1 | 2 | 3 | 4 | 5 | 6;

export interface ListItem {
  readonly content: readonly Block[];
}

export type Block =
  | { readonly type: 'paragraph'; readonly content: readonly Inline[] }
  | { readonly type: 'heading'; readonly level: HeadingLevel; readonly content: readonly Inline[] }
  | { readonly type: 'bulletList'; readonly items: readonly ListItem[] }
  | { readonly type: 'orderedList'; readonly start: number; readonly items: readonly ListItem[] }
  | { readonly type: 'codeBlock'; readonly language?: string; readonly text: string }
  | { readonly type: 'blockquote'; readonly content: readonly Block[] }
  | { readonly type: 'rule' };

/** Canonical mark order: outermost first. */
export const MARK_ORDER: readonly MarkType[] = ['link', 'strong', 'em', 'strike', 'code'];

/** Containers (blockquotes, list items) nested deeper than this are read as plain text. */
export const MAX_CONTAINER_DEPTH = 16;

/** Schemes that may become links. Anything else (javascript:, data:, ...) stays text. */
export function isAllowedHref(href: string): boolean {
  if (!/^(?:https?:\/\/[^\s]|mailto:[^\s])/i.test(href)) return false;
  // No whitespace or control characters anywhere in the URL.
  for (let i = 0; i < href.length; i++) {
    const c = href.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) return false;
  }
  return true;
}

export function sameMark(a: Mark, b: Mark): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'link' && b.type === 'link') return a.href === b.href;
  return true;
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/** Parses Markdown into blocks. Never throws. */
export function parseMarkdown(md: string): Block[] {
  const src = typeof md === 'string' ? md : '';
  try {
    const lines = src.replaceAll('\u0000', '\uFFFD').split(/\r\n|\r|\n/);
    // A final line break ends the last line; it does not start an empty one.
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    return parseBlocks(lines, 0);
  } catch {
    return fallbackBlocks(src);
  }
}

/** Last resort: blank-line separated plain paragraphs. */
function fallbackBlocks(src: string): Block[] {
  const out: Block[] = [];
  for (const chunk of src.split(/(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)/)) {
    const text = chunk.replace(/\s+/g, ' ').trim();
    if (text !== '') out.push({ type: 'paragraph', content: [{ type: 'text', text, marks: [] }] });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Line helpers
// ---------------------------------------------------------------------------

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

/** Columns of leading whitespace (tab stops every 4 columns). */
function indentWidth(line: string): number {
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ') col++;
    else if (c === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** Removes up to `cols` columns of leading whitespace, splitting a tab if needed. */
function stripColumns(line: string, cols: number): string {
  let col = 0;
  let i = 0;
  while (i < line.length && col < cols) {
    const c = line[i];
    if (c === ' ') {
      col++;
      i++;
    } else if (c === '\t') {
      const w = 4 - (col % 4);
      if (col + w > cols) return ' '.repeat(col + w - cols) + line.slice(i + 1);
      col += w;
      i++;
    } else break;
  }
  return line.slice(i);
}

function stripLeading(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i === 0 ? line : line.slice(i);
}

function trimEndSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && (s[e - 1] === ' ' || s[e - 1] === '\t')) e--;
  return e === s.length ? s : s.slice(0, e);
}

// ---------------------------------------------------------------------------
// Block recognisers (input: line with leading whitespace removed)
// ---------------------------------------------------------------------------

interface FenceOpen {
  readonly char: '`' | '~';
  readonly length: number;
  readonly language?: string;
}

const LANGUAGE_RE = /^[A-Za-z0-9_+#.-]{1,40}$/;

function matchFenceOpen(rest: string): FenceOpen | null {
  const ch = rest[0];
  if (ch !== '`' && ch !== '~') return null;
  let n = 0;
  while (n < rest.length && rest[n] === ch) n++;
  if (n < 3) return null;
  const info = rest.slice(n).trim();
  if (ch === '`' && info.includes('`')) return null;
  const word = info.split(/[ \t]/, 1)[0] ?? '';
  return LANGUAGE_RE.test(word) ? { char: ch, length: n, language: word } : { char: ch, length: n };
}

function isFenceClose(rest: string, open: FenceOpen): boolean {
  let n = 0;
  while (n < rest.length && rest[n] === open.char) n++;
  return n >= open.length && isBlank(rest.slice(n));
}

function matchHeading(rest: string): { level: HeadingLevel; text: string } | null {
  let n = 0;
  while (n < rest.length && n < 7 && rest[n] === '#') n++;
  if (n < 1 || n > 6) return null;
  const after = rest[n];
  if (after !== undefined && after !== ' ' && after !== '\t') return null;
  let text = rest.slice(n).trim();
  // Optional closing sequence: spaces then #s.
  let j = text.length;
  while (j > 0 && text[j - 1] === '#') j--;
  if (j === 0) text = '';
  else if (j < text.length && (text[j - 1] === ' ' || text[j - 1] === '\t')) text = trimEndSpaces(text.slice(0, j));
  return { level: n as HeadingLevel, text };
}

function isRule(rest: string): boolean {
  const ch = rest[0];
  if (ch !== '-' && ch !== '*' && ch !== '_') return false;
  let count = 0;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === ch) count++;
    else if (c !== ' ' && c !== '\t') return false;
  }
  return count >= 3;
}

interface ListMarker {
  readonly ordered: boolean;
  /** Bullet character, or the ordered delimiter (`.` or `)`). */
  readonly char: string;
  readonly start: number;
  /** Width of the marker plus the spaces that belong to it. */
  readonly width: number;
  readonly content: string;
}

function matchListMarker(rest: string): ListMarker | null {
  const c = rest[0];
  let markerLen: number;
  let ordered = false;
  let char: string;
  let start = 1;
  if (c === '-' || c === '*' || c === '+') {
    markerLen = 1;
    char = c;
  } else {
    let d = 0;
    while (d < rest.length && d < 10 && rest.charCodeAt(d) >= 48 && rest.charCodeAt(d) <= 57) d++;
    if (d < 1 || d > 9) return null;
    const delim = rest[d];
    if (delim !== '.' && delim !== ')') return null;
    markerLen = d + 1;
    ordered = true;
    char = delim;
    start = Number.parseInt(rest.slice(0, d), 10);
  }
  const after = rest[markerLen];
  if (after !== undefined && after !== ' ' && after !== '\t') return null;
  const spaces = indentWidth(rest.slice(markerLen, markerLen + 8));
  const content = stripLeading(rest.slice(markerLen));
  const width = content === '' ? markerLen + 1 : spaces >= 5 ? markerLen + 1 : markerLen + spaces;
  return { ordered, char, start, width, content };
}

function sameListKind(a: ListMarker, b: ListMarker): boolean {
  return a.ordered === b.ordered && a.char === b.char;
}

/** Whether `rest` starts a block that ends (interrupts) a paragraph. */
function interruptsParagraph(rest: string, depth: number): boolean {
  if (rest === '') return true;
  if (matchFenceOpen(rest) || matchHeading(rest) || isRule(rest)) return true;
  if (depth >= MAX_CONTAINER_DEPTH) return false;
  if (rest[0] === '>') return true;
  const m = matchListMarker(rest);
  return m !== null && m.content !== '' && (!m.ordered || m.start === 1);
}

// ---------------------------------------------------------------------------
// Block parser
// ---------------------------------------------------------------------------

function parseBlocks(lines: readonly string[], depth: number): Block[] {
  const out: Block[] = [];
  const n = lines.length;
  let i = 0;
  while (i < n) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i++;
      continue;
    }
    const indent = indentWidth(line);
    const rest = stripLeading(line);

    const fence = matchFenceOpen(rest);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < n) {
        const l = lines[i] ?? '';
        if (isFenceClose(stripLeading(l), fence)) {
          i++;
          break;
        }
        body.push(stripColumns(l, indent));
        i++;
      }
      const text = body.join('\n');
      out.push(
        fence.language !== undefined
          ? { type: 'codeBlock', language: fence.language, text }
          : { type: 'codeBlock', text },
      );
      continue;
    }

    const heading = matchHeading(rest);
    if (heading) {
      out.push({ type: 'heading', level: heading.level, content: parseInline(heading.text) });
      i++;
      continue;
    }

    if (isRule(rest)) {
      out.push({ type: 'rule' });
      i++;
      continue;
    }

    if (depth < MAX_CONTAINER_DEPTH && rest[0] === '>') {
      i = parseBlockquote(lines, i, depth, out);
      continue;
    }

    if (depth < MAX_CONTAINER_DEPTH) {
      const marker = matchListMarker(rest);
      if (marker) {
        i = parseList(lines, i, depth, marker, out);
        continue;
      }
    }

    // Paragraph.
    const para: string[] = [rest];
    i++;
    while (i < n) {
      const l = lines[i] ?? '';
      if (isBlank(l)) break;
      const r = stripLeading(l);
      if (interruptsParagraph(r, depth)) break;
      para.push(r);
      i++;
    }
    out.push({ type: 'paragraph', content: parseInline(trimEndSpaces(para.join('\n'))) });
  }
  return out;
}

function parseBlockquote(lines: readonly string[], start: number, depth: number, out: Block[]): number {
  const inner: string[] = [];
  let i = start;
  let lazyOk = false;
  let openFence: FenceOpen | null = null;
  while (i < lines.length) {
    const l = lines[i] ?? '';
    const r = stripLeading(l);
    let content: string;
    if (r[0] === '>') {
      content = r.slice(1);
      if (content[0] === ' ' || content[0] === '\t') content = content.slice(1);
    } else if (lazyOk && !isBlank(l) && !interruptsParagraph(r, depth)) {
      content = r;
    } else break;
    inner.push(content);
    i++;
    const cr = stripLeading(content);
    if (openFence) {
      if (isFenceClose(cr, openFence)) openFence = null;
      lazyOk = false;
    } else {
      openFence = matchFenceOpen(cr);
      lazyOk = openFence === null && !isBlank(content) && !matchHeading(cr) && !isRule(cr);
    }
  }
  out.push({ type: 'blockquote', content: parseBlocks(inner, depth + 1) });
  return i;
}

function parseList(lines: readonly string[], start: number, depth: number, first: ListMarker, out: Block[]): number {
  const items: ListItem[] = [];
  const n = lines.length;
  let i = start;
  while (i < n) {
    const line = lines[i] ?? '';
    if (isBlank(line)) break;
    const markerIndent = indentWidth(line);
    const rest = stripLeading(line);
    if (isRule(rest)) break;
    const m = matchListMarker(rest);
    if (!m || !sameListKind(m, first)) break;
    const contentCol = markerIndent + m.width;

    const itemLines: string[] = [m.content];
    let openFence: FenceOpen | null = matchFenceOpen(m.content);
    // Lazy continuation lines are allowed only after a paragraph line.
    let lazyOk = m.content !== '' && openFence === null && !matchHeading(m.content) && !isRule(m.content);
    let pendingBlanks = 0;
    i++;
    while (i < n) {
      const l = lines[i] ?? '';
      if (isBlank(l)) {
        pendingBlanks++;
        i++;
        continue;
      }
      const li = indentWidth(l);
      const lr = stripLeading(l);
      let content: string;
      if (li >= markerIndent + 2) {
        content = stripColumns(l, Math.min(li, contentCol));
      } else if (pendingBlanks === 0 && lazyOk && !interruptsParagraph(lr, depth + 1) && matchListMarker(lr) === null) {
        content = lr; // lazy paragraph continuation
      } else break;
      for (; pendingBlanks > 0; pendingBlanks--) itemLines.push('');
      itemLines.push(content);
      i++;
      const cr = stripLeading(content);
      if (openFence) {
        if (isFenceClose(cr, openFence)) openFence = null;
        lazyOk = false;
      } else {
        openFence = matchFenceOpen(cr);
        lazyOk = openFence === null && !matchHeading(cr) && !isRule(cr);
      }
    }
    items.push({ content: parseBlocks(itemLines, depth + 1) });
    // Blank lines between items are skipped; the list goes on if a sibling marker follows.
    if (pendingBlanks > 0) {
      const next = lines[i];
      if (next === undefined) break;
      const nm = matchListMarker(stripLeading(next));
      if (!nm || !sameListKind(nm, first) || isRule(stripLeading(next))) {
        break;
      }
    }
  }
  out.push(first.ordered ? { type: 'orderedList', start: first.start, items } : { type: 'bulletList', items });
  return i;
}

// ---------------------------------------------------------------------------
// Inline parser
// ---------------------------------------------------------------------------

type Tok =
  | { k: 'text'; s: string }
  | { k: 'delim'; ch: string; n: number }
  | { k: 'code'; s: string }
  | { k: 'auto'; s: string; href: string }
  | { k: 'br' };

interface Delim {
  readonly tok: number;
  readonly ch: '*' | '_' | '~';
  readonly orig: number;
  readonly canOpen: boolean;
  readonly canClose: boolean;
  readonly t: { n: number };
  prev: Delim | null;
  next: Delim | null;
}

interface Bracket {
  readonly tok: number;
  readonly bang: number;
  /** Last delimiter when the bracket was pushed: emphasis inside the link stops there. */
  readonly delimBottom: Delim | null;
}

const ASCII_PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

function isAsciiPunct(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && ASCII_PUNCT.includes(c);
}

function isWhitespaceChar(c: string | undefined): boolean {
  if (c === undefined) return true;
  const code = c.charCodeAt(0);
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return /\s/.test(c);
}

function isPunctChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  if (c.charCodeAt(0) < 0x80) return isAsciiPunct(c);
  return /[\p{P}\p{S}]/u.test(c);
}

type EmphasisMark = 'strong' | 'em' | 'strike';

/** Parses inline Markdown into flat text runs with marks. Never throws on any string. */
export function parseInline(src: string): Inline[] {
  return new InlineParser(src).run();
}

class InlineParser {
  private readonly s: string;
  private readonly n: number;
  private readonly toks: Tok[] = [];
  private readonly pairs: { from: number; to: number; mark: EmphasisMark }[] = [];
  private readonly links: { from: number; to: number; href: string }[] = [];
  private head: Delim | null = null;
  private tail: Delim | null = null;
  private readonly brackets: Bracket[] = [];
  /** Brackets below this stack height are inactive (a link was closed after them). */
  private inactiveBelow = 0;

  // Lazily built tables.
  private backtickRuns: Map<number, { starts: number[]; ptr: number }> | null = null;
  private tables: { depth: Int32Array; nextSmaller: Int32Array; nextWs: Int32Array; nextNonWs: Int32Array } | null =
    null;
  private titleEnd: Map<number, number> | null = null;

  constructor(src: string) {
    this.s = src;
    this.n = src.length;
  }

  run(): Inline[] {
    const s = this.s;
    const n = this.n;
    let i = 0;
    let textStart = 0;
    const flush = (end: number): void => {
      if (end > textStart) this.toks.push({ k: 'text', s: s.slice(textStart, end) });
    };
    while (i < n) {
      const c = s[i];
      switch (c) {
        case '\\': {
          const next = s[i + 1];
          if (next === '\n') {
            flush(i);
            this.lineBreak(true);
            i = this.skipSpaces(i + 2);
            textStart = i;
          } else if (isAsciiPunct(next)) {
            flush(i);
            this.toks.push({ k: 'text', s: next as string });
            i += 2;
            textStart = i;
          } else i++;
          break;
        }
        case '\n': {
          flush(i);
          this.lineBreak(false);
          i = this.skipSpaces(i + 1);
          textStart = i;
          break;
        }
        case '`': {
          let e = i;
          while (e < n && s[e] === '`') e++;
          const len = e - i;
          const close = this.findBacktickRun(len, e);
          if (close >= 0) {
            flush(i);
            let body = s.slice(e, close).replace(/\n/g, ' ');
            if (body.length >= 2 && body[0] === ' ' && body[body.length - 1] === ' ' && body.trim() !== '') {
              body = body.slice(1, -1);
            }
            this.toks.push({ k: 'code', s: body });
            i = close + len;
            textStart = i;
          } else i = e;
          break;
        }
        case '*':
        case '_':
        case '~': {
          let e = i;
          while (e < n && s[e] === c) e++;
          const len = e - i;
          if (c === '~' && len !== 2) {
            i = e;
            break;
          }
          flush(i);
          this.pushDelimiter(c, i, len);
          i = e;
          textStart = i;
          break;
        }
        case '!': {
          if (s[i + 1] === '[') {
            flush(i);
            const bang = this.toks.length;
            this.toks.push({ k: 'text', s: '!' });
            this.pushBracket(bang);
            i += 2;
            textStart = i;
          } else i++;
          break;
        }
        case '[': {
          flush(i);
          this.pushBracket(-1);
          i++;
          textStart = i;
          break;
        }
        case ']': {
          flush(i);
          const end = this.closeBracket(i);
          if (end > 0) {
            i = end;
            textStart = i;
          } else {
            textStart = i; // the ']' stays literal text
            i++;
          }
          break;
        }
        case '<': {
          const end = this.autolinkEnd(i);
          if (end > 0) {
            flush(i);
            const href = s.slice(i + 1, end - 1);
            this.toks.push({ k: 'auto', s: href, href });
            i = end;
            textStart = i;
          } else i++;
          break;
        }
        default:
          i++;
      }
    }
    flush(n);
    this.processEmphasis(null);
    return this.assemble();
  }

  private skipSpaces(i: number): number {
    while (i < this.n && (this.s[i] === ' ' || this.s[i] === '\t')) i++;
    return i;
  }

  /** Handles a line end: trims trailing spaces of the previous text and emits a hard or soft break. */
  private lineBreak(forcedHard: boolean): void {
    let hard = forcedHard;
    const last = this.toks[this.toks.length - 1];
    if (last && last.k === 'text') {
      const trimmed = trimEndSpaces(last.s);
      if (!forcedHard && last.s.length - trimmed.length >= 2 && last.s.endsWith('  ')) hard = true;
      last.s = trimmed;
    }
    this.toks.push(hard ? { k: 'br' } : { k: 'text', s: ' ' });
  }

  private findBacktickRun(len: number, after: number): number {
    if (!this.backtickRuns) {
      const runs = new Map<number, { starts: number[]; ptr: number }>();
      const s = this.s;
      let i = 0;
      while (i < this.n) {
        if (s[i] !== '`') {
          i++;
          continue;
        }
        let e = i;
        while (e < this.n && s[e] === '`') e++;
        const l = e - i;
        let entry = runs.get(l);
        if (!entry) {
          entry = { starts: [], ptr: 0 };
          runs.set(l, entry);
        }
        entry.starts.push(i);
        i = e;
      }
      this.backtickRuns = runs;
    }
    const entry = this.backtickRuns.get(len);
    if (!entry) return -1;
    while (entry.ptr < entry.starts.length && (entry.starts[entry.ptr] ?? 0) < after) entry.ptr++;
    return entry.starts[entry.ptr] ?? -1;
  }

  private pushDelimiter(ch: '*' | '_' | '~', start: number, len: number): void {
    const s = this.s;
    const before = start > 0 ? s[start - 1] : undefined;
    const after = start + len < this.n ? s[start + len] : undefined;
    const beforeWs = isWhitespaceChar(before);
    const afterWs = isWhitespaceChar(after);
    const beforeP = isPunctChar(before);
    const afterP = isPunctChar(after);
    const left = !afterWs && (!afterP || beforeWs || beforeP);
    const right = !beforeWs && (!beforeP || afterWs || afterP);
    let canOpen: boolean;
    let canClose: boolean;
    if (ch === '_') {
      canOpen = left && (!right || beforeP);
      canClose = right && (!left || afterP);
    } else {
      canOpen = left;
      canClose = right;
    }
    const tok = { k: 'delim' as const, ch, n: len };
    const index = this.toks.length;
    this.toks.push(tok);
    if (!canOpen && !canClose) return;
    const d: Delim = { tok: index, ch, orig: len, canOpen, canClose, t: tok, prev: this.tail, next: null };
    if (this.tail) this.tail.next = d;
    else this.head = d;
    this.tail = d;
  }

  private removeDelim(d: Delim): void {
    if (d.prev) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.tail = d.prev;
  }

  /** CommonMark "process emphasis" above `bottom`, then drops those delimiters. */
  private processEmphasis(bottom: Delim | null): void {
    const bottomIdx = bottom ? bottom.tok : -1;
    let closer = bottom ? bottom.next : this.head;
    if (!closer) return;
    // Lowest token index still worth searching, per closer kind (char, can-open, length mod 3).
    const openersBottom = new Int32Array(18).fill(bottomIdx);
    while (closer) {
      if (!closer.canClose) {
        closer = closer.next;
        continue;
      }
      const key = (closer.ch === '*' ? 0 : closer.ch === '_' ? 6 : 12) + (closer.canOpen ? 3 : 0) + (closer.orig % 3);
      const stopIdx = openersBottom[key] ?? bottomIdx;
      let opener = closer.prev;
      let found: Delim | null = null;
      while (opener && opener.tok > stopIdx) {
        if (opener.ch === closer.ch && opener.canOpen) {
          if (closer.ch === '~') {
            found = opener;
            break;
          }
          const odd =
            (opener.canClose || closer.canOpen) &&
            (opener.orig + closer.orig) % 3 === 0 &&
            !(opener.orig % 3 === 0 && closer.orig % 3 === 0);
          if (!odd) {
            found = opener;
            break;
          }
        }
        opener = opener.prev;
      }
      if (found) {
        const use = closer.ch === '~' ? 2 : found.t.n >= 2 && closer.t.n >= 2 ? 2 : 1;
        const mark: EmphasisMark = closer.ch === '~' ? 'strike' : use === 2 ? 'strong' : 'em';
        this.pairs.push({ from: found.tok, to: closer.tok, mark });
        found.t.n -= use;
        closer.t.n -= use;
        // Delimiters between opener and closer can no longer match.
        found.next = closer;
        closer.prev = found;
        if (found.t.n === 0) this.removeDelim(found);
        if (closer.t.n === 0) {
          const next = closer.next;
          this.removeDelim(closer);
          closer = next;
        }
      } else {
        openersBottom[key] = closer.prev ? closer.prev.tok : bottomIdx;
        const next = closer.next;
        if (!closer.canOpen) this.removeDelim(closer);
        closer = next;
      }
    }
    if (bottom) {
      bottom.next = null;
      this.tail = bottom;
    } else {
      this.head = null;
      this.tail = null;
    }
  }

  private pushBracket(bang: number): void {
    const tok = this.toks.length;
    this.toks.push({ k: 'text', s: '[' });
    this.brackets.push({ tok, bang, delimBottom: this.tail });
  }

  /** Tries to close a link at `]` (position i). Returns the index after the link, or -1. */
  private closeBracket(i: number): number {
    const pos = this.brackets.length - 1;
    const opener = this.brackets.pop();
    if (!opener) return -1;
    const active = pos >= this.inactiveBelow;
    if (this.inactiveBelow > pos) this.inactiveBelow = pos;
    if (!active) return -1;
    const tail = this.linkTail(i);
    if (!tail || !isAllowedHref(tail.href)) return -1;
    this.processEmphasis(opener.delimBottom);
    const openTok = this.toks[opener.tok];
    if (openTok && openTok.k === 'text') openTok.s = '';
    if (opener.bang >= 0) {
      const bangTok = this.toks[opener.bang];
      if (bangTok && bangTok.k === 'text') bangTok.s = '';
    }
    if (this.toks.length === opener.tok + 1) this.toks.push({ k: 'text', s: tail.href });
    const endTok = this.toks.length;
    this.toks.push({ k: 'text', s: '' });
    this.links.push({ from: opener.tok, to: endTok, href: tail.href });
    // No links inside links (images included, so link ranges never overlap).
    this.inactiveBelow = this.brackets.length;
    return tail.end;
  }

  private buildTables(): NonNullable<InlineParser['tables']> {
    if (this.tables) return this.tables;
    const s = this.s;
    const n = this.n;
    // depth[k]: '(' minus ')' count in s[0..k).
    const depth = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) {
      const c = s[k];
      depth[k + 1] = (depth[k] ?? 0) + (c === '(' ? 1 : c === ')' ? -1 : 0);
    }
    // nextSmaller[p]: smallest m > p with depth[m] < depth[p], or n + 1.
    const nextSmaller = new Int32Array(n + 1);
    const stack = new Int32Array(n + 1);
    let top = 0;
    for (let p = n; p >= 0; p--) {
      const v = depth[p] ?? 0;
      while (top > 0 && (depth[stack[top - 1] ?? 0] ?? 0) >= v) top--;
      nextSmaller[p] = top > 0 ? (stack[top - 1] ?? n + 1) : n + 1;
      stack[top++] = p;
    }
    const nextWs = new Int32Array(n + 1);
    const nextNonWs = new Int32Array(n + 1);
    nextWs[n] = n;
    nextNonWs[n] = n;
    for (let p = n - 1; p >= 0; p--) {
      const code = s.charCodeAt(p);
      const ws = code <= 0x20 || code === 0x7f;
      nextWs[p] = ws ? p : (nextWs[p + 1] ?? n);
      nextNonWs[p] = code === 0x20 || code === 0x09 || code === 0x0a ? (nextNonWs[p + 1] ?? n) : p;
    }
    this.tables = { depth, nextSmaller, nextWs, nextNonWs };
    return this.tables;
  }

  /** Parses `(destination "optional title")` after the `]` at i. */
  private linkTail(i: number): { href: string; end: number } | null {
    const s = this.s;
    if (s[i + 1] !== '(') return null;
    const t = this.buildTables();
    const p = t.nextNonWs[i + 2] ?? this.n;
    if (p >= this.n || s[p] === ')') return null;
    const ws = t.nextWs[p] ?? this.n;
    const drop = (t.nextSmaller[p] ?? this.n + 1) - 1; // the ')' that closes at depth 0
    let dest: string;
    let end: number;
    if (drop < ws) {
      dest = s.slice(p, drop);
      end = drop + 1;
    } else {
      if (ws >= this.n || t.depth[ws] !== t.depth[p]) return null;
      dest = s.slice(p, ws);
      let q = t.nextNonWs[ws] ?? this.n;
      const quote = s[q];
      if (quote === '"' || quote === "'") {
        this.titleEnd ??= new Map<number, number>();
        let close = this.titleEnd.get(q);
        if (close === undefined) {
          close = s.indexOf(quote, q + 1);
          this.titleEnd.set(q, close);
        }
        if (close < 0) return null;
        q = t.nextNonWs[close + 1] ?? this.n;
      }
      if (s[q] !== ')') return null;
      end = q + 1;
    }
    if (dest === '') return null;
    const href = dest.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    return { href, end };
  }

  /** `<http://...>`, `<https://...>` or `<mailto:...>`. Returns the index after `>`, or -1. */
  private autolinkEnd(i: number): number {
    const s = this.s;
    const head = s.slice(i + 1, i + 9).toLowerCase();
    if (!head.startsWith('http://') && !head.startsWith('https://') && !head.startsWith('mailto:')) return -1;
    let j = i + 1;
    while (j < this.n) {
      const code = s.charCodeAt(j);
      if (code <= 0x20 || code === 0x7f || code === 0x3c /* < */ || code === 0x3e /* > */) break;
      j++;
    }
    if (s[j] !== '>') return -1;
    const href = s.slice(i + 1, j);
    return isAllowedHref(href) ? j + 1 : -1;
  }

  private assemble(): Inline[] {
    const toks = this.toks;
    const count = toks.length;
    const hasPairs = this.pairs.length > 0;
    const strong = new Int32Array(hasPairs ? count + 1 : 0);
    const em = new Int32Array(hasPairs ? count + 1 : 0);
    const strike = new Int32Array(hasPairs ? count + 1 : 0);
    for (const p of this.pairs) {
      const arr = p.mark === 'strong' ? strong : p.mark === 'em' ? em : strike;
      arr[p.from + 1] = (arr[p.from + 1] ?? 0) + 1;
      arr[p.to] = (arr[p.to] ?? 0) - 1;
    }
    const hrefAt: (string | undefined)[] = this.links.length > 0 ? new Array<string | undefined>(count) : [];
    for (const l of this.links) {
      for (let k = l.from + 1; k < l.to; k++) hrefAt[k] = l.href;
    }
    const out: Inline[] = [];
    let cs = 0;
    let ce = 0;
    let ck = 0;
    let pendingText = '';
    let pendingMarks: Mark[] = [];
    const flushText = (): void => {
      if (pendingText !== '') out.push({ type: 'text', text: pendingText, marks: pendingMarks });
      pendingText = '';
    };
    for (let k = 0; k < count; k++) {
      if (hasPairs) {
        cs += strong[k] ?? 0;
        ce += em[k] ?? 0;
        ck += strike[k] ?? 0;
      }
      const tok = toks[k];
      if (!tok) continue;
      if (tok.k === 'br') {
        flushText();
        out.push({ type: 'hardBreak' });
        continue;
      }
      const text = tok.k === 'delim' ? tok.ch.repeat(tok.n) : tok.s;
      if (text === '') continue;
      const marks: Mark[] = [];
      const href = hrefAt[k] ?? (tok.k === 'auto' ? tok.href : undefined);
      if (href !== undefined) marks.push({ type: 'link', href });
      if (cs > 0) marks.push({ type: 'strong' });
      if (ce > 0) marks.push({ type: 'em' });
      if (ck > 0) marks.push({ type: 'strike' });
      if (tok.k === 'code') marks.push({ type: 'code' });
      if (pendingText !== '' && sameMarks(marks, pendingMarks)) {
        pendingText += text;
      } else {
        flushText();
        pendingText = text;
        pendingMarks = marks;
      }
    }
    flushText();
    // Trim whitespace next to hard breaks and at the ends of the content.
    return trimInlines(out);
  }
}

function sameMarks(a: readonly Mark[], b: readonly Mark[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || !sameMark(x, y)) return false;
  }
  return true;
}

function trimInlines(list: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (let i = 0; i < list.length; i++) {
    const node = list[i];
    if (!node) continue;
    if (node.type === 'hardBreak') {
      out.push(node);
      continue;
    }
    let text = node.text;
    const prev = list[i - 1];
    const next = list[i + 1];
    const hasCode = node.marks.some((m) => m.type === 'code');
    if (!hasCode) {
      if (prev === undefined || prev.type === 'hardBreak') text = text.replace(/^[ \t]+/, '');
      if (next === undefined || next.type === 'hardBreak') text = text.replace(/[ \t]+$/, '');
    }
    if (text !== '') out.push({ type: 'text', text, marks: node.marks });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Shared rendering helper
// ---------------------------------------------------------------------------

export type InlineEvent =
  | { readonly kind: 'open'; readonly mark: Mark }
  | { readonly kind: 'close'; readonly mark: Mark }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'hardBreak' };

/**
 * Turns flat marked runs into properly nested open/close events for tag-based
 * renderers. Marks stay open across runs that share them; new marks open in
 * canonical order (link outermost, code innermost). Hard breaks close all marks.
 */
export function inlineEvents(inlines: readonly Inline[]): InlineEvent[] {
  const events: InlineEvent[] = [];
  const stack: Mark[] = [];
  const closeTo = (height: number): void => {
    while (stack.length > height) {
      const m = stack.pop();
      if (m) events.push({ kind: 'close', mark: m });
    }
  };
  for (const node of inlines) {
    const target: readonly Mark[] = node.type === 'text' ? node.marks : [];
    let keep = 0;
    while (keep < stack.length) {
      const m = stack[keep];
      if (!m || !target.some((t) => sameMark(t, m))) break;
      keep++;
    }
    closeTo(keep);
    for (const type of MARK_ORDER) {
      for (const t of target) {
        if (t.type === type && !stack.some((m) => sameMark(m, t))) {
          stack.push(t);
          events.push({ kind: 'open', mark: t });
        }
      }
    }
    if (node.type === 'text') events.push({ kind: 'text', text: node.text });
    else events.push({ kind: 'hardBreak' });
  }
  closeTo(0);
  return events;
}
