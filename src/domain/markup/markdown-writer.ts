/**
 * A direct Markdown writer for the normalised trees the readers build (ADF, storage and wiki
 * markup to Markdown), answering exactly what `mdast-util-to-markdown` with our options
 * (see `writeMarkdown`) answers, for the shapes it knows, in a fraction of the time.
 *
 * Why: profiling `adfToMarkdown` on the issue benchmark's fixture showed 75 % of the time in
 * `toMarkdown`, most of it in `safe()` (a regular expression per unsafe pattern per text
 * node, about 50 patterns with GFM) and the attention machinery (every paragraph's phrasing
 * tokenised and checked). Building the mdast tree itself was 4 %.
 *
 * How it stays the same: it mirrors the serialiser's handlers, joins and list-marker rules
 * for the nodes the readers produce, and emits text only where it can show that none of the
 * serialiser's unsafe patterns matches, and emphasis, strong and strikethrough only where
 * their preferred markers need no encoding. Anything else (text that needs an escape, an
 * emphasis next to another, a heading with a break, a node type it does not know) makes it
 * answer `undefined`, and `writeMarkdown` uses `mdast-util-to-markdown` for that document.
 * `test/unit/markup/markdown-writer.test.ts` compares the two on every spec example and the
 * readers' fixtures.
 */
import type { Blockquote, Code, Heading, Image, InlineCode, Link, List, ListItem, Nodes, PhrasingContent, Root, Table } from 'mdast';

/** The constructs a piece of phrasing is in, as far as the unsafe patterns care. */
interface Scope {
  /** link text or image alt: `[` and `]` are unsafe, GFM autolink literals are not */
  readonly label: boolean;
  /** table cell: `|` is unsafe, a break is a space */
  readonly cell: boolean;
  /** ATX heading: `#` before the end is unsafe */
  readonly heading: boolean;
}

const PLAIN: Scope = { label: false, cell: false, heading: false };

interface Writer {
  bulletLastUsed: string | undefined;
  bulletCurrent: string | undefined;
}

/** Thrown (and caught in {@link fastMarkdown}) where the shape needs the full serialiser. */
class Unsupported extends Error {}

const bail = (): never => {
  throw new Unsupported();
};

/** The Markdown `toMarkdown` would write for `tree`, or `undefined` when it cannot be sure. */
export function fastMarkdown(tree: Root): string | undefined {
  try {
    const w: Writer = { bulletLastUsed: undefined, bulletCurrent: undefined };
    for (const child of tree.children) if (isPhrasing(child)) return undefined;
    const result = flow(tree.children, tree, w);
    const last = result.charCodeAt(result.length - 1);
    return result !== '' && last !== 10 && last !== 13 ? `${result}\n` : result;
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return undefined;
    throw e;
  }
}

function isPhrasing(node: Nodes): boolean {
  switch (node.type) {
    case 'text':
    case 'emphasis':
    case 'strong':
    case 'delete':
    case 'inlineCode':
    case 'break':
    case 'link':
    case 'image':
    case 'html':
    case 'linkReference':
    case 'imageReference':
    case 'footnoteReference':
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// Flow
// ---------------------------------------------------------------------------

type FlowParent = Root | Blockquote | List | ListItem;

function flow(children: readonly Nodes[], parent: FlowParent, w: Writer): string {
  let out = '';
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as Nodes;
    out += block(child, parent, w);
    if (child.type !== 'list') w.bulletLastUsed = undefined;
    const next = children[i + 1];
    if (next !== undefined) out += between(child, next, parent);
  }
  return out;
}

function block(node: Nodes, parent: FlowParent, w: Writer): string {
  switch (node.type) {
    case 'paragraph': {
      const item = parent.type === 'listItem' && typeof parent.checked === 'boolean' && parent.children[0] === node ? parent : undefined;
      if (item) {
        if (node.children.length === 0) bail();
        return `[${item.checked ? 'x' : ' '}] ${phrasing(node.children, '\n', '\n', PLAIN)}`;
      }
      return phrasing(node.children, '\n', '\n', PLAIN);
    }
    case 'heading':
      return heading(node);
    case 'thematicBreak':
      return '---';
    case 'code':
      return code(node);
    case 'blockquote':
      return indentLines(flow(node.children, node, w), (line, _i, blank) => (blank ? '>' : `> ${line}`));
    case 'list':
      return list(node, parent, w);
    case 'listItem':
      // Only inside a list (handled there).
      return bail();
    case 'table':
      return table(node);
    default:
      return bail();
  }
}

/** `mdast-util-to-markdown`'s joins (defaults, then GFM table's) for the nodes written here. */
function between(left: Nodes, right: Nodes, parent: FlowParent): string {
  // GFM table: a table in a tight item is followed by a blank line before a paragraph or table.
  if (left.type === 'table' && parent.type === 'listItem' && parent.spread === false && (right.type === 'paragraph' || right.type === 'table')) {
    return '\n\n';
  }
  if ((parent.type === 'list' || parent.type === 'listItem') && typeof parent.spread === 'boolean') {
    if (parent.spread) return '\n\n';
    if (left.type === 'blockquote' && right.type === 'blockquote') return '\n\n';
    if (
      left.type === 'paragraph' &&
      right.type === 'list' &&
      ((right.ordered === true && typeof right.start === 'number' && right.start !== 1) ||
        (right.children.length > 0 && (right.children[0] as ListItem).children.length === 0))
    ) {
      return '\n\n';
    }
    if (left.type === 'paragraph' && right.type === 'thematicBreak') return '\n\n';
    let tail: Nodes = left;
    while ((tail.type === 'blockquote' || tail.type === 'list' || tail.type === 'listItem') && tail.children.length > 0) {
      tail = tail.children[tail.children.length - 1] as Nodes;
    }
    if (tail.type !== 'paragraph') return '\n';
    if ((left.type === 'paragraph' || (left as Nodes) !== tail) && right.type === 'paragraph') return '\n\n';
    return '\n';
  }
  return '\n\n';
}

function heading(node: Heading): string {
  const rank = Math.max(Math.min(6, node.depth || 1), 1);
  // A break (or a line ending in text) makes it a setext heading.
  if (hasBreak(node.children)) bail();
  const sequence = '#'.repeat(rank);
  let value = phrasing(node.children, '# ', '\n', { label: false, cell: false, heading: true });
  const head = value.charCodeAt(0);
  if (head === 9 || head === 32) value = `&#x${head.toString(16).toUpperCase()};${value.slice(1)}`;
  return value ? `${sequence} ${value}` : sequence;
}

function hasBreak(nodes: readonly PhrasingContent[]): boolean {
  for (const n of nodes) {
    if (n.type === 'break') return true;
    if ('value' in n && /[\r\n]/.test(n.value)) return true;
    if ('children' in n && hasBreak(n.children)) return true;
  }
  return false;
}

function code(node: Code): string {
  const raw = node.value || '';
  if (node.meta) bail();
  let longest = 0;
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) === 96) {
      run++;
      if (run > longest) longest = run;
    } else run = 0;
  }
  const sequence = '`'.repeat(Math.max(longest + 1, 3));
  let value = sequence;
  if (node.lang) {
    if (!/^[A-Za-z0-9_+#.-]+$/.test(node.lang)) bail();
    value += node.lang;
  }
  value += '\n';
  if (raw) value += `${raw}\n`;
  return value + sequence;
}

function list(node: List, parent: FlowParent, w: Writer): string {
  const ordered = node.ordered === true;
  let bullet = ordered ? '.' : '-';
  const other = ordered ? ')' : '*';
  let different = w.bulletLastUsed !== undefined ? bullet === w.bulletLastUsed : false;
  const first = node.children[0];
  if (!ordered && first) {
    // The serialiser's rule for an empty first item deep in lists: not mirrored.
    if (first.children.length === 0 && parent.type === 'listItem') bail();
    if (node.children.some((item) => item.children[0]?.type === 'thematicBreak')) different = true;
  }
  if (different) bullet = other;
  const current = w.bulletCurrent;
  w.bulletCurrent = bullet;
  let out = '';
  for (let i = 0; i < node.children.length; i++) {
    const item = node.children[i] as ListItem;
    out += listItem(item, node, i, w);
    w.bulletLastUsed = undefined;
    const next = node.children[i + 1];
    if (next !== undefined) out += between(item, next, node);
  }
  w.bulletLastUsed = bullet;
  w.bulletCurrent = current;
  return out;
}

function listItem(node: ListItem, parent: List, index: number, w: Writer): string {
  let bullet = w.bulletCurrent ?? '-';
  if (parent.ordered) bullet = `${(typeof parent.start === 'number' && parent.start > -1 ? parent.start : 1) + index}${bullet}`;
  const size = bullet.length + 1;
  const pad = ' '.repeat(size);
  return indentLines(flow(node.children, node, w), (line, i, blank) =>
    i ? (blank ? '' : pad) + line : (blank ? bullet : `${bullet} `) + line,
  );
}

function indentLines(value: string, map: (line: string, index: number, blank: boolean) => string): string {
  const eol = /\r?\n|\r/g;
  let result = '';
  let start = 0;
  let line = 0;
  let match: RegExpExecArray | null;
  while ((match = eol.exec(value))) {
    const part = value.slice(start, match.index);
    result += map(part, line, !part) + match[0];
    start = match.index + match[0].length;
    line++;
  }
  const part = value.slice(start);
  return result + map(part, line, !part);
}

function table(node: Table): string {
  if (node.children.length === 0) bail();
  const cell: Scope = { label: false, cell: true, heading: false };
  const matrix = node.children.map((row) => row.children.map((c) => phrasing(c.children, '|', '|', cell)));
  const head = matrix[0] as string[];
  const align = node.align ?? [];
  let columns = align.length;
  if (!columns) for (const row of matrix) if (row.length > columns) columns = row.length;
  while (head.length < columns) head.push('');
  let most = 0;
  for (const row of matrix) if (row.length > most) most = row.length;
  const delimiter: string[] = [];
  for (let c = 0; c < most; c++) {
    const a = align[c];
    delimiter.push(a === 'center' ? ':-:' : a === 'left' ? ':-' : a === 'right' ? '-:' : '-');
  }
  const rows = [head, delimiter, ...matrix.slice(1)];
  const lines: string[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as string[];
    const cells = Math.max(1, (r === 1 ? head : row).length);
    let line = '';
    for (let c = 0; c < cells; c++) {
      const value = row[c] ?? '';
      if (c === 0) line += '|';
      if (value !== '') line += ' ';
      line += `${value} |`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Phrasing
// ---------------------------------------------------------------------------

/** What the serialiser's `peek` gives as the first character of a node's Markdown. */
function peek(node: PhrasingContent, scope: Scope): string {
  switch (node.type) {
    case 'text':
      // The serialiser peeks by writing the text with nothing around it.
      return (escapeText(node.value, '', '', scope) ?? bail()).charAt(0);
    case 'emphasis':
    case 'strong':
      return '*';
    case 'delete':
      return '~';
    case 'inlineCode':
      return '`';
    case 'link':
      return isAutolink(node) ? '<' : '[';
    case 'image':
      return '!';
    case 'html':
      return '<';
    case 'break':
      return scope.cell ? ' ' : '\\';
    default:
      return bail();
  }
}

const isAttention = (n: PhrasingContent | undefined): boolean => n !== undefined && (n.type === 'emphasis' || n.type === 'strong' || n.type === 'delete');

/**
 * The children's Markdown; `before` and `after` are what surrounds them (as the serialiser's
 * `info.before` and `info.after`).
 */
function phrasing(children: readonly PhrasingContent[], before: string, after: string, scope: Scope): string {
  let out = '';
  let prev = before;
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as PhrasingContent;
    const next = children[i + 1];
    const following = next === undefined ? after : peek(next, scope);
    let value: string;
    switch (child.type) {
      case 'text':
        value = (child.value === '' ? undefined : escapeText(child.value, prev, following, scope)) ?? bail();
        break;
      case 'emphasis':
      case 'strong':
      case 'delete': {
        if (isAttention(children[i - 1]) || isAttention(next)) bail();
        const sequence = child.type === 'emphasis' ? '*' : child.type === 'strong' ? '**' : '~~';
        const inner = child.children;
        if (inner.length === 0 || isAttention(inner[0]) || isAttention(inner[inner.length - 1])) bail();
        // The serialiser's guess keeps the preferred marker unless a neighbour has it.
        if (prev.charAt(0) === sequence.charAt(0) || (next === undefined && after.charAt(0) === sequence.charAt(0))) bail();
        const body = phrasing(inner, sequence, sequence, scope);
        if (body === '') bail();
        const outsideAfter = next === undefined ? after : peek(next, scope);
        if (needsEncoding(prev.charCodeAt(prev.length - 1), body.charCodeAt(0))) bail();
        if (needsEncoding(outsideAfter.charCodeAt(0), body.charCodeAt(body.length - 1))) bail();
        value = sequence + body + sequence;
        break;
      }
      case 'inlineCode':
        value = inlineCode(child, scope);
        break;
      case 'break':
        if (scope.heading) bail();
        value = scope.cell ? (/[\t ]/.test(prev) ? '' : ' ') : '\\\n';
        break;
      case 'link':
        value = link(child, prev, scope);
        break;
      case 'image':
        value = image(child, scope);
        break;
      case 'html':
        if (child.value !== '<br>' || prev.endsWith('\n') || prev.endsWith('\r')) bail();
        value = child.value;
        break;
      default:
        return bail();
    }
    if (value === '') continue;
    out += value;
    prev = lastCharacter(value);
  }
  return out;
}

function lastCharacter(value: string): string {
  const code = value.codePointAt(value.length - 2);
  return code !== undefined && code > 0xffff ? value.slice(-2) : value.slice(-1);
}

/** micromark's classification of a UTF-16 unit: 1 whitespace, 2 punctuation, 0 other. */
function kind(code: number): 0 | 1 | 2 {
  if (Number.isNaN(code)) return 0;
  if (code < 128) {
    if (code === 32 || (code >= 9 && code <= 13)) return 1;
    // ASCII punctuation and symbols: ! to /, : to @, [ to `, { to ~.
    if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) return 2;
    return 0;
  }
  const c = String.fromCharCode(code);
  if (/\s/.test(c)) return 1;
  if (/\p{P}|\p{S}/u.test(c)) return 2;
  return 0;
}

/** Whether `encodeInfo` would encode a character on either side of `*`/`~` attention. */
function needsEncoding(outside: number, inside: number): boolean {
  const o = kind(outside);
  const i = kind(inside);
  if (i === 1) return true;
  return o === 0 && i === 2;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whether position `i` of `s` is at a line start (after `[\r\n][\t ]*`, and digits when asked). */
function atBreak(s: string, i: number, digits: boolean): boolean {
  let j = i - 1;
  if (digits) {
    const k = j;
    while (j >= 0 && isDigit(s.charCodeAt(j))) j--;
    if (j === k) return false;
  }
  while (j >= 0 && (s[j] === ' ' || s[j] === '\t')) j--;
  return j >= 0 && (s[j] === '\n' || s[j] === '\r');
}

const LETTER_OR_HASH = /[#A-Za-z]/;
const isW = (code: number): boolean => code === 87 || code === 119;

/**
 * What `safe()` of `mdast-util-to-markdown` (with GFM's unsafe patterns) answers for `value`
 * between `before` and `after` in `scope`, for the escapes it makes without conditions
 * (`*`, `` ` ``, `~`, `[`; `]` in a label, `|` in a cell; `&` before a letter or `#`; `!` is
 * left alone before an escaped `[`; `_` unless its run is inside a word), or `undefined`
 * when any other unsafe pattern matches
 * (then the document is written by `mdast-util-to-markdown`).
 */
/** The characters any unsafe pattern names, but the space (which matters only next to a line ending). */
const UNSAFE_CHARACTER = /[\t\n\r!"#&'()*+\-.:<=>@[\\\]_`|~]/;

function escapeText(value: string, before: string, after: string, scope: Scope): string | undefined {
  // Most text has none of them, and no space where a line ends: nothing to escape.
  if (!UNSAFE_CHARACTER.test(value) && value.charCodeAt(0) !== 32 && value.charCodeAt(value.length - 1) !== 32) return value;
  const s = before + value + after;
  const from = before.length;
  const to = from + value.length;
  let out = '';
  let last = from;
  let escaped = false;
  const escape = (i: number): void => {
    escaped = true;
    out += `${s.slice(last, i)}\\`;
    last = i;
  };
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 126) continue;
    const next = s[i + 1] ?? '';
    switch (c) {
      case 42: // *
      case 96: // `
      case 126: // ~
      case 91: // [
        escape(i);
        break;
      case 9: // tab
      case 10:
      case 13:
      case 92: // backslash: escapes and hard breaks
        return undefined;
      case 95: {
        // `_`: escaped, unless the whole run is inside a word (`snake_case`), as safe() decides.
        let runEnd = i + 1;
        while (runEnd < to && s.charCodeAt(runEnd) === 95) runEnd++;
        const intraword =
          i > 0 &&
          kind(s.charCodeAt(i - 1)) === 0 &&
          !(i - 1 === from && /[*_]/.test(s.charAt(from - 1))) &&
          runEnd < s.length &&
          kind(s.charCodeAt(runEnd)) === 0 &&
          !(runEnd === to - 1 && /[*_]/.test(s.charAt(to)));
        if (!intraword) for (let k = i; k < runEnd; k++) escape(k);
        i = runEnd - 1;
        break;
      }
      case 32: {
        const p = s[i - 1];
        if (next === '\n' || next === '\r' || p === '\n' || p === '\r') return undefined;
        break;
      }
      case 33: // !
        // Before a `[` of the same text (escaped) it stays; before one that follows the text it is escaped.
        if (next === '[' && i + 1 >= to) escape(i);
        break;
      case 38: // &
        if (LETTER_OR_HASH.test(next)) escape(i);
        break;
      case 35: // #
        if (atBreak(s, i, false)) return undefined;
        if (scope.heading && (next === '\n' || next === '\r' || i === s.length - 1)) return undefined;
        break;
      case 40: // (
        if (s[i - 1] === ']') return undefined;
        break;
      case 41: // )
        if (atBreak(s, i, true)) return undefined;
        break;
      case 43: // +
        if (atBreak(s, i, false) && (next === ' ' || next === '\t' || next === '\r' || next === '\n')) return undefined;
        break;
      case 45: // -
        if (atBreak(s, i, false) && /^[ \t\r\n\-:|]$/.test(next)) return undefined;
        break;
      case 46: // .
        if (atBreak(s, i, true) && (next === '' || /^[ \t\r\n]$/.test(next))) return undefined;
        if (!scope.label && isW(s.charCodeAt(i - 1)) && isW(s.charCodeAt(i - 2)) && isW(s.charCodeAt(i - 3))) return undefined;
        break;
      case 60: // <
        if (/^[!/?A-Za-z]$/.test(next)) return undefined;
        break;
      case 61: // =
      case 62: // >
        if (atBreak(s, i, false)) return undefined;
        break;
      case 93: // ]
        if (scope.label) escape(i);
        break;
      case 124: // |
        if (scope.cell) {
          escape(i);
          break;
        }
        if (atBreak(s, i, false) && /^[\t :-]$/.test(next)) return undefined;
        break;
      case 58: // :
        if (atBreak(s, i, false) && next === '-') return undefined;
        if (next === '/' && !scope.label && /[PSps]/.test(s[i - 1] ?? '')) return undefined;
        break;
      case 64: // @
        if (!scope.label && /^[+\w.-]$/.test(s[i - 1] ?? '') && /^[\w.-]$/.test(next)) return undefined;
        break;
      default:
        break;
    }
  }
  return escaped ? out + s.slice(last, to) : value;
}

function inlineCode(node: InlineCode, scope: Scope): string {
  let value = node.value || '';
  if (/[\r\n]/.test(value)) bail();
  let sequence = '`';
  while (new RegExp(`(^|[^\`])${sequence}([^\`]|$)`).test(value)) sequence += '`';
  if (/[^\n\r ]/.test(value) && ((/^[\n\r ]/.test(value) && /[\n\r ]$/.test(value)) || /^`|`$/.test(value))) value = ` ${value} `;
  let out = sequence + value + sequence;
  if (scope.cell && out.includes('|')) {
    // GFM table: a pipe in code in a cell is escaped when an even number of backslashes precede it.
    let result = '';
    let start = 0;
    let index = out.indexOf('|');
    while (index !== -1) {
      let b = index;
      while (b > start && out.charCodeAt(b - 1) === 92) b--;
      result += out.slice(start, index);
      if ((index - b) % 2 === 0) result += '\\';
      start = index;
      index = out.indexOf('|', index + 1);
    }
    out = result + out.slice(start);
  }
  return out;
}

function isAutolink(node: Link): boolean {
  const first = node.children[0];
  if (!node.url || node.title || node.children.length !== 1 || first?.type !== 'text') return false;
  const raw = first.value;
  return (raw === node.url || `mailto:${raw}` === node.url) && /^[a-z][+\-.a-z]+:/i.test(node.url) && !/[\0- <>\u007F]/.test(node.url);
}

/** A destination as `safe()` writes it in `destinationRaw`: `&`, `(`, `)`, `[` (and `|` in a cell) escaped. */
function destination(url: string, scope: Scope): string {
  if (url.includes('\\') || url.includes('<') || /^<|[\0- \u007F]/.test(url)) bail();
  let out = '';
  for (let i = 0; i < url.length; i++) {
    const c = url[i] as string;
    if (c === '(' || c === ')' || c === '[' || (c === '|' && scope.cell) || (c === '&' && LETTER_OR_HASH.test(url[i + 1] ?? ''))) out += '\\';
    out += c;
  }
  return out;
}

function link(node: Link, before: string, scope: Scope): string {
  if (node.title) bail();
  if (isAutolink(node)) {
    if (scope.cell && node.url.includes('|')) bail();
    return `<${(node.children[0] as { value: string }).value}>`;
  }
  const label = phrasing(node.children, '[', '](', { ...scope, label: true });
  const last = before.charAt(before.length - 1);
  if (last === '\n' || last === '\r') {
    // The serialiser adds an empty title when the label could read as a definition.
    let index = 0;
    while (index < label.length && label.charCodeAt(index) !== 93) index += label.charCodeAt(index) === 92 ? 2 : 1;
    if (label.charCodeAt(index + 1) === 58) bail();
  }
  if (!node.url) bail();
  return `[${label}](${destination(node.url, scope)})`;
}

function image(node: Image, scope: Scope): string {
  if (node.title || !node.url) bail();
  const alt = node.alt ? (escapeText(node.alt, '![', ']', { ...scope, label: true }) ?? bail()) : '';
  return `![${alt}](${destination(node.url, scope)})`;
}
