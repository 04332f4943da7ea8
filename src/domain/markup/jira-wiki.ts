/**
 * Jira wiki markup, both ways: Markdown (as mdast) to wiki markup for Jira Data Center
 * (REST v2 speaks wiki markup, not ADF), and wiki markup back to Markdown.
 *
 * Writing, plain text is escaped with backslashes wherever it could start markup:
 * `{ } [ ] | * _` always; `- + ^ ~ !` when they could open a text effect (followed by a
 * non-space, and for `- + ^ ~` preceded by a boundary); `??`; and at the start of a block
 * `#`, `-`, `h1.`..`h6.` and `bq.`. A literal backslash that would escape what follows is
 * written as the entity `&#92;`. Known limits of wiki markup: an ordered list cannot keep
 * its start number, a list item cannot hold several paragraphs (they are joined with `\\`
 * line breaks), code blocks inside list items end the list, task list checkboxes are text
 * (`[ ]`, `[x]`), column alignment is lost, and text effects that begin or end mid-word
 * may not render as such.
 *
 * Reading (no well-kept wiki parser exists for JavaScript: the packages there are
 * unmaintained regular-expression chains), a small line reader covers the common
 * constructs: `h1.`-`h6.`, `*strong*` `_em_` `-strike-` `+inserted+` `^sup^` `~sub~`
 * `??cite??` `{{mono}}`, `*`/`#`/`-` lists nested by marker, `{code}`/`{noformat}`,
 * `bq.` and `{quote}`, `{panel}`-like macros as quotes, `[text|url]` links, `[~user]`
 * mentions, `!image!`, `||header||` tables, `\\` breaks and `----` rules. Effects are
 * matched with precomputed closer tables, so hostile input stays linear.
 */
import type { BlockContent, Blockquote, List, ListItem, PhrasingContent, Root, RootContent, TableRow } from 'mdast';
import { isAllowedHref, readMarkdown, writeMarkdown, type MarkdownTree } from './markdown.js';

/** Markdown to wiki markup. Total: never throws; see `convertMarkdown` for the checked form. */
export function markdownToJiraWiki(md: string): string {
  return mdastToJiraWiki(readMarkdown(md));
}

export function mdastToJiraWiki(tree: MarkdownTree): string {
  return renderBlocks(tree.children, false).join('\n\n');
}

const ALWAYS_ESCAPE = '{}[]|*_';
const EFFECT_OPENERS = '-+^~';

function isWs(c: string | undefined): boolean {
  return c === undefined || /\s/.test(c);
}

function isBoundary(c: string | undefined): boolean {
  return c === undefined || /[\s\p{P}\p{S}]/u.test(c);
}

function isSpecial(c: string): boolean {
  return ALWAYS_ESCAPE.includes(c) || EFFECT_OPENERS.includes(c) || '\\!?#.'.includes(c);
}

export function escapeWikiText(t: string, lineStart: boolean): string {
  let out = '';
  let dotToEscape = -1;
  if (lineStart) {
    const m = /^(?:h[1-6]|bq)\./.exec(t);
    if (m) dotToEscape = m[0].length - 1;
  }
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    const prev = i > 0 ? t[i - 1] : undefined;
    const next = t[i + 1];
    if (ALWAYS_ESCAPE.includes(c)) {
      out += `\\${c}`;
    } else if (c === '\\') {
      out += next === undefined || isSpecial(next) ? '&#92;' : '\\';
    } else if (i === 0 && lineStart && (c === '#' || c === '-')) {
      out += `\\${c}`;
    } else if (i === dotToEscape) {
      out += '\\.';
    } else if (EFFECT_OPENERS.includes(c) && !isWs(next) && isBoundary(prev)) {
      out += `\\${c}`;
    } else if (c === '!' && !isWs(next)) {
      out += '\\!';
    } else if (c === '?' && (next === '?' || prev === '?')) {
      out += '\\?';
    } else {
      out += c;
    }
  }
  return out;
}

/** Link targets cannot contain `|`, `!`, brackets, braces or whitespace in wiki markup. */
function wikiUrl(href: string): string {
  return href.replace(/[|![\]{}\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

interface InlineOut {
  out: string;
}

function renderInlinesInto(nodes: readonly PhrasingContent[], o: InlineOut): void {
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        o.out += escapeWikiText(node.value, o.out === '');
        break;
      case 'inlineCode':
        o.out += `{{${escapeWikiText(node.value, false)}}}`;
        break;
      case 'break':
        o.out += '\\\\';
        break;
      case 'strong':
        o.out += '*';
        renderInlinesInto(node.children, o);
        o.out += '*';
        break;
      case 'emphasis':
        o.out += '_';
        renderInlinesInto(node.children, o);
        o.out += '_';
        break;
      case 'delete':
        o.out += '-';
        renderInlinesInto(node.children, o);
        o.out += '-';
        break;
      case 'link':
        o.out += '[';
        renderInlinesInto(node.children, o);
        o.out += `|${wikiUrl(node.url)}]`;
        break;
      case 'image':
        o.out += `!${wikiUrl(node.url)}!`;
        break;
      default:
        break;
    }
  }
}

function renderInlines(nodes: readonly PhrasingContent[]): string {
  const o: InlineOut = { out: '' };
  renderInlinesInto(nodes, o);
  return o.out;
}

/** Keeps `{code}` inside a code block from closing it early (a zero-width space is inserted). */
function protectCode(text: string): string {
  return text.replace(/\{(code|noformat)/gi, '{\u200B$1');
}

function renderBlocks(blocks: readonly RootContent[], inQuote: boolean): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
        out.push(renderInlines(block.children));
        break;
      case 'heading':
        out.push(`h${block.depth}. ${renderInlines(block.children)}`);
        break;
      case 'list':
        out.push(renderList(block, '').join('\n'));
        break;
      case 'code': {
        const open = block.lang ? `{code:${block.lang}}` : '{code}';
        out.push(`${open}\n${protectCode(block.value)}\n{code}`);
        break;
      }
      case 'blockquote':
        out.push(...renderQuote(block, inQuote));
        break;
      case 'thematicBreak':
        out.push('----');
        break;
      case 'table':
        out.push(
          block.children
            .map((row, r) => {
              const sep = r === 0 ? '||' : '|';
              return sep + row.children.map((cell) => renderInlines(cell.children) || ' ').join(sep) + sep;
            })
            .join('\n'),
        );
        break;
      default:
        break;
    }
  }
  return out;
}

function renderQuote(block: Blockquote, inQuote: boolean): string[] {
  if (inQuote) return renderBlocks(block.children, true);
  const only = block.children[0];
  if (block.children.length === 1 && only && only.type === 'paragraph' && !only.children.some((n) => n.type === 'break')) {
    return [`bq. ${renderInlines(only.children)}`];
  }
  return [`{quote}\n${renderBlocks(block.children, true).join('\n\n')}\n{quote}`];
}

function renderList(list: List, prefix: string): string[] {
  const marker = prefix + (list.ordered ? '#' : '*');
  const lines: string[] = [];
  for (const item of list.children) lines.push(...renderItem(item, marker));
  return lines;
}

function itemTexts(blocks: readonly RootContent[], texts: string[], after: string[], marker: string): void {
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
      case 'heading':
        texts.push(renderInlines(block.children));
        break;
      case 'blockquote':
        itemTexts(block.children, texts, after, marker);
        break;
      case 'list':
        after.push(...renderList(block, marker));
        break;
      case 'code':
      case 'table':
        after.push(...renderBlocks([block], false));
        break;
      default:
        break;
    }
  }
}

function renderItem(item: ListItem, marker: string): string[] {
  const texts: string[] = [];
  const after: string[] = [];
  itemTexts(item.children, texts, after, marker);
  const box = item.checked === true ? '\\[x\\] ' : item.checked === false ? '\\[ \\] ' : '';
  return [`${marker} ${box}${texts.join('\\\\')}`, ...after];
}

// ---------------------------------------------------------------------------
// wiki -> mdast -> Markdown
// ---------------------------------------------------------------------------

/** Characters of wiki markup read at most; the rest is left out. */
export const WIKI_READ_MAX_LENGTH = 5_000_000;
/** Effects nested inside effects at most; deeper ones stay text. */
const WIKI_MAX_INLINE_DEPTH = 16;
/** List levels at most (`*****...`); deeper markers are read as the deepest level. */
const WIKI_MAX_LIST_DEPTH = 32;

/**
 * Jira wiki markup to Markdown (GFM). Total: any string gives Markdown of at most
 * `MARKDOWN_OUTPUT_MAX_LENGTH` characters; nothing throws.
 */
export function jiraWikiToMarkdown(wiki: string): string {
  return writeMarkdown(jiraWikiToMdast(wiki));
}

export function jiraWikiToMdast(wiki: string): Root {
  const src = (typeof wiki === 'string' ? wiki : '').slice(0, WIKI_READ_MAX_LENGTH);
  try {
    return { type: 'root', children: readWikiBlocks(src.split(/\r\n|\r|\n/), 0) as RootContent[] };
  } catch {
    return { type: 'root', children: [{ type: 'paragraph', children: [{ type: 'text', value: src }] }] };
  }
}

const BLOCK_MACRO = /^\s*\{(quote|code|noformat|panel|info|note|warning|tip)(?::([^}]*))?\}/i;

function readWikiBlocks(lines: readonly string[], depth: number): BlockContent[] {
  const out: BlockContent[] = [];
  let para: string[] = [];
  let list: { root: List; stack: Array<{ list: List; kind: string }> } | undefined;
  let table: TableRow[] | undefined;
  const flushPara = (): void => {
    if (para.length > 0) {
      const children = readWikiInline(para.join('\n'), 0);
      if (children.length > 0) out.push({ type: 'paragraph', children });
      para = [];
    }
  };
  const flushList = (): void => {
    if (list) out.push(list.root);
    list = undefined;
  };
  const flushTable = (): void => {
    if (table && table.length > 0) out.push({ type: 'table', align: null, children: table });
    table = undefined;
  };
  const flushAll = (): void => {
    flushPara();
    flushList();
    flushTable();
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*$/.test(line)) {
      flushAll();
      continue;
    }
    const macro = BLOCK_MACRO.exec(line);
    if (macro) {
      flushAll();
      const name = (macro[1] ?? '').toLowerCase();
      const params = macro[2] ?? '';
      const closeTag = new RegExp(`\\{${name}\\}`, 'i');
      const body: string[] = [];
      let rest = line.slice(macro[0].length);
      for (;;) {
        const m = closeTag.exec(rest);
        if (m) {
          body.push(rest.slice(0, m.index));
          const after = rest.slice(m.index + m[0].length);
          if (after.trim() !== '') para.push(after);
          break;
        }
        body.push(rest);
        if (i + 1 >= lines.length) break;
        i++;
        rest = lines[i] ?? '';
      }
      if (body[0] === '') body.shift();
      if (body.length > 0 && body[body.length - 1] === '') body.pop();
      if (name === 'code' || name === 'noformat') {
        const lang = name === 'code' ? codeLanguage(params) : null;
        out.push({ type: 'code', lang, meta: null, value: body.join('\n') });
      } else if (depth >= WIKI_MAX_INLINE_DEPTH) {
        out.push({ type: 'paragraph', children: [{ type: 'text', value: body.join(' ') }] });
      } else {
        const inner = readWikiBlocks(body, depth + 1);
        if (name === 'quote') out.push({ type: 'blockquote', children: inner });
        else {
          const title = /(?:^|\|)title=([^|]*)/.exec(params)?.[1]?.trim() ?? '';
          const label = `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}:${title ? ` ${title}` : ''}`;
          out.push({ type: 'blockquote', children: ledBy(label, inner) });
        }
      }
      flushPara();
      continue;
    }
    const heading = /^\s*h([1-6])\.\s*(.*)$/.exec(line);
    if (heading) {
      flushAll();
      const children = readWikiInline(heading[2] ?? '', 0);
      out.push({ type: 'heading', depth: Number(heading[1]) as 1 | 2 | 3 | 4 | 5 | 6, children });
      continue;
    }
    const bq = /^\s*bq\.\s?(.*)$/.exec(line);
    if (bq) {
      flushAll();
      out.push({ type: 'blockquote', children: [{ type: 'paragraph', children: readWikiInline(bq[1] ?? '', 0) }] });
      continue;
    }
    if (/^\s*-{4,}\s*$/.test(line)) {
      flushAll();
      out.push({ type: 'thematicBreak' });
      continue;
    }
    const item = /^\s*([*#-]+)\s+(.*)$/.exec(line);
    if (item && !(item[1] === '-' && /^-/.test(item[2] ?? ''))) {
      flushPara();
      flushTable();
      const marker = (item[1] ?? '*').slice(0, WIKI_MAX_LIST_DEPTH);
      if (list && list.stack[0]?.kind !== (marker[0] === '#' ? '#' : '*')) flushList();
      list = addListItem(list, marker, readWikiInline(item[2] ?? '', 0));
      continue;
    }
    if (/^\s*\|/.test(line)) {
      flushPara();
      flushList();
      table ??= [];
      table.push(readTableRow(line.trim()));
      continue;
    }
    if (list) {
      // A continuation line of the last item.
      const last = lastItem(list);
      const p = last?.children[0];
      if (p?.type === 'paragraph') p.children.push({ type: 'text', value: ' ' }, ...readWikiInline(line, 0));
      continue;
    }
    flushTable();
    para.push(line);
  }
  flushAll();
  return out;
}

function codeLanguage(params: string): string | null {
  const first = params.split('|')[0]?.trim() ?? '';
  const lang = first.includes('=') ? (/(?:^|\|)(?:language|lang)=([^|]*)/.exec(params)?.[1]?.trim() ?? '') : first;
  return /^[A-Za-z0-9_+#.-]{1,40}$/.test(lang) ? lang.toLowerCase() : null;
}

function ledBy(label: string, blocks: BlockContent[]): BlockContent[] {
  const lead: PhrasingContent = { type: 'strong', children: [{ type: 'text', value: label }] };
  const first = blocks[0];
  if (first?.type === 'paragraph') return [{ type: 'paragraph', children: [lead, { type: 'text', value: ' ' }, ...first.children] }, ...blocks.slice(1)];
  return [{ type: 'paragraph', children: [lead] }, ...blocks];
}

function lastItem(list: { stack: Array<{ list: List }> }): ListItem | undefined {
  const top = list.stack[list.stack.length - 1]?.list;
  return top?.children[top.children.length - 1];
}

function addListItem(
  current: { root: List; stack: Array<{ list: List; kind: string }> } | undefined,
  marker: string,
  children: PhrasingContent[],
): { root: List; stack: Array<{ list: List; kind: string }> } {
  const newList = (kind: string): List => ({ type: 'list', ordered: kind === '#', start: kind === '#' ? 1 : null, spread: false, children: [] });
  const kindAt = (i: number): string => (marker[i] === '#' ? '#' : '*');
  let state = current;
  if (!state) {
    const root = newList(kindAt(0));
    state = { root, stack: [{ list: root, kind: kindAt(0) }] };
  }
  const depth = marker.length;
  while (state.stack.length > depth) state.stack.pop();
  for (let level = 1; level < depth; level++) {
    const entry = state.stack[level];
    if (entry && entry.kind === kindAt(level)) continue;
    state.stack.length = level;
    const parent = state.stack[level - 1]?.list as List;
    let holder = parent.children[parent.children.length - 1];
    if (!holder) {
      holder = { type: 'listItem', spread: false, checked: null, children: [] };
      parent.children.push(holder);
    }
    const nested = newList(kindAt(level));
    holder.children.push(nested);
    state.stack.push({ list: nested, kind: kindAt(level) });
  }
  const top = state.stack[depth - 1]?.list as List;
  // `[ ]` and `[x]` leading an item are the checkboxes Markdown task lists are written as.
  let checked: boolean | null = null;
  const first = children[0];
  const box = first?.type === 'text' ? /^\[([ xX])\] /.exec(first.value) : null;
  if (first?.type === 'text' && box) {
    checked = box[1] !== ' ';
    first.value = first.value.slice(box[0].length);
    if (first.value === '') children.shift();
  }
  top.children.push({ type: 'listItem', spread: false, checked, children: [{ type: 'paragraph', children }] });
  return state;
}

function readTableRow(line: string): TableRow {
  const cells: PhrasingContent[][] = [];
  let cell = '';
  let bracket = 0;
  let brace = 0;
  let i = line.startsWith('||') ? 2 : 1;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      cell += c + line[i + 1];
      i++;
      continue;
    }
    if (c === '[') bracket++;
    else if (c === ']' && bracket > 0) bracket--;
    else if (c === '{') brace++;
    else if (c === '}' && brace > 0) brace--;
    if (c === '|' && bracket === 0 && brace % 2 === 0) {
      cells.push(readWikiInline(cell.trim(), 0));
      cell = '';
      if (line[i + 1] === '|') i++;
      continue;
    }
    cell += c;
  }
  if (cell.trim() !== '') cells.push(readWikiInline(cell.trim(), 0));
  return { type: 'tableRow', children: cells.map((children) => ({ type: 'tableCell', children })) };
}

const EFFECTS: Readonly<Record<string, 'strong' | 'emphasis' | 'delete' | 'text'>> = {
  '*': 'strong',
  _: 'emphasis',
  '-': 'delete',
  '+': 'text',
  '^': 'text',
  '~': 'text',
};

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

/** Positions where each effect character may close (after a non-space, before a non-word character). */
function closerTable(s: string): Map<string, number[]> {
  const table = new Map<string, number[]>();
  for (let i = 1; i < s.length; i++) {
    const c = s[i] as string;
    if (!(c in EFFECTS)) continue;
    if (/\s/.test(s[i - 1] ?? ' ') || isWordChar(s[i + 1])) continue;
    let list = table.get(c);
    if (!list) table.set(c, (list = []));
    list.push(i);
  }
  return table;
}

function firstAfter(list: readonly number[] | undefined, after: number, before: number): number {
  if (!list) return -1;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) <= after) lo = mid + 1;
    else hi = mid;
  }
  const at = list[lo];
  return at !== undefined && at < before ? at : -1;
}

function readWikiInline(src: string, depth: number): PhrasingContent[] {
  return readSpan(src, 0, src.length, closerTable(src), depth);
}

function readSpan(s: string, from: number, to: number, closers: Map<string, number[]>, depth: number): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let text = '';
  const pushText = (): void => {
    if (text === '') return;
    const last = out[out.length - 1];
    if (last?.type === 'text') last.value += text;
    else out.push({ type: 'text', value: text });
    text = '';
  };
  const push = (node: PhrasingContent): void => {
    pushText();
    out.push(node);
  };
  let i = from;
  while (i < to) {
    const c = s[i] as string;
    const next = s[i + 1];
    if (c === '\\') {
      if (next === '\\') {
        push({ type: 'break' });
        i += 2;
      } else if (next !== undefined && i + 1 < to) {
        text += next;
        i += 2;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === '\n') {
      text += ' ';
      i++;
      continue;
    }
    if (c === '&') {
      const entity = /^&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/i.exec(s.slice(i, i + 12));
      if (entity) {
        const code = entity[1] ? Number(entity[1]) : entity[2] ? parseInt(entity[2], 16) : -1;
        const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };
        text += code >= 0 ? (code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\uFFFD') : (named[(entity[3] ?? '').toLowerCase()] ?? '');
        i += entity[0].length;
        continue;
      }
    }
    if (c === '{' && next === '{') {
      const end = s.indexOf('}}', i + 2);
      if (end !== -1 && end + 2 <= to) {
        push({ type: 'inlineCode', value: s.slice(i + 2, end) });
        i = end + 2;
        continue;
      }
    }
    if (c === '{') {
      // Inline macros such as {color:red} and {color}: the tags go, the text stays.
      const end = s.indexOf('}', i + 1);
      if (end !== -1 && end < to && end - i < 200 && /^\{[A-Za-z][\w-]*(?::[^}]*)?\}$/.test(s.slice(i, end + 1))) {
        i = end + 1;
        continue;
      }
    }
    if (c === '[') {
      const end = s.indexOf(']', i + 1);
      if (end !== -1 && end < to && end - i < 2000) {
        const node = wikiLink(s.slice(i + 1, end), depth);
        if (node) {
          push(node);
          i = end + 1;
          continue;
        }
      }
    }
    if (c === '!' && next !== undefined && !/\s/.test(next)) {
      const end = s.indexOf('!', i + 1);
      if (end !== -1 && end < to && end - i < 2000 && !/\s/.test(s[end - 1] ?? ' ')) {
        const target = s.slice(i + 1, end).split('|')[0]?.trim() ?? '';
        if (target !== '' && !/\s/.test(target) && isAllowedHref(target)) {
          push({ type: 'image', url: target, alt: '', title: null });
          i = end + 1;
          continue;
        }
      }
    }
    if (c === '?' && next === '?' && depth < WIKI_MAX_INLINE_DEPTH && !/\s/.test(s[i + 2] ?? ' ')) {
      const end = s.indexOf('??', i + 3);
      if (end !== -1 && end + 2 <= to) {
        push({ type: 'emphasis', children: readSpan(s, i + 2, end, closers, depth + 1) });
        i = end + 2;
        continue;
      }
    }
    const effect = EFFECTS[c];
    if (effect && depth < WIKI_MAX_INLINE_DEPTH && !isWordChar(s[i - 1]) && next !== undefined && !/\s/.test(next) && next !== c) {
      const end = firstAfter(closers.get(c), i + 1, to);
      if (end !== -1) {
        const inner = readSpan(s, i + 1, end, closers, depth + 1);
        if (effect === 'text') {
          for (const n of inner) push(n);
        } else push({ type: effect, children: inner });
        i = end + 1;
        continue;
      }
    }
    text += c;
    i++;
  }
  pushText();
  return out;
}

function wikiLink(inner: string, depth: number): PhrasingContent | undefined {
  if (inner.startsWith('~')) return { type: 'text', value: `@${inner.slice(1).replace(/^accountid:/, '')}` };
  const bar = inner.lastIndexOf('|');
  const label = bar === -1 ? '' : inner.slice(0, bar);
  let target = (bar === -1 ? inner : inner.slice(bar + 1)).trim();
  if (target.startsWith('^')) target = encodeURI(target.slice(1));
  if (target === '' || /\s/.test(target) || !isAllowedHref(target)) return undefined;
  if (!/^[a-z][a-z0-9+.-]*:|^[#/.]/i.test(target) && !/^[\w.-]+\.[a-z]{2,}(?:[/?#]|$)/i.test(target)) {
    // `[text]` alone is not a link in wiki markup unless it names a URL, an anchor or an attachment.
    if (bar === -1 && !inner.startsWith('^')) return undefined;
  }
  const children: PhrasingContent[] = label !== '' ? readWikiInline(label, depth + 1) : [{ type: 'text', value: target }];
  return { type: 'link', url: target, title: null, children };
}

export type { Blockquote };
