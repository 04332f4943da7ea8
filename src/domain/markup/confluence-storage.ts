/**
 * Confluence storage format (XHTML with `ac:` and `ri:` elements), both ways.
 *
 * Writing (mdast to storage, for page bodies sent with `representation: "storage"`): every
 * text and attribute value is XML-escaped and stripped of characters XML cannot hold; code
 * blocks are the `code` macro with a CDATA body; images are `ac:image` with `ri:url`; GFM
 * task lists are `ac:task-list`; tables are `<table>` with a `<th>` header row.
 *
 * Reading (storage to mdast to Markdown): parsed with htmlparser2 (HTML mode, so the
 * HTML entities storage uses, `&nbsp;` and friends, decode; CDATA and self-closing `ri:`
 * elements recognised) into a small tree of bounded depth and size, then mapped: the
 * `code`/`noformat` macros to fenced code, `info`/`note`/`warning`/`tip`/`panel` to quotes
 * led by their type, `expand` led by its title, `jira` to the issue key, `status` to
 * `[STATUS]`, `ac:link` to links, `ac:image` to images, `ac:task-list` to task lists,
 * emoticons to `:name:`, `<time>` to its date. Unknown elements keep their text.
 */
import type { BlockContent, Heading, List, ListItem, PhrasingContent, Root, RootContent, Table, TableCell, TableRow } from 'mdast';
import { Parser } from 'htmlparser2';
import { isAllowedHref, readMarkdown, writeMarkdown, type MarkdownTree } from './markdown.js';

/** Markdown to storage format. Total: never throws; see `convertMarkdown` for the checked form. */
export function markdownToStorage(md: string): string {
  return mdastToStorage(readMarkdown(md));
}

/** Removes characters that XML 1.0 cannot represent (C0 controls except tab/LF/CR, U+FFFE/F, lone surrogates). */
function xmlSafe(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let bad = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      bad = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) bad = true;
    if (bad) {
      out += `${s.slice(from, i)}\uFFFD`;
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

export function escapeXml(s: string): string {
  return xmlSafe(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Wraps text in CDATA, splitting any `]]>` so the section cannot be closed early. */
function cdata(s: string): string {
  return `<![CDATA[${xmlSafe(s).replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`;
}

// ---------------------------------------------------------------------------
// mdast -> storage
// ---------------------------------------------------------------------------

interface WriteState {
  tasks: number;
}

export function mdastToStorage(tree: MarkdownTree): string {
  const state: WriteState = { tasks: 0 };
  return renderBlocks(tree.children, state);
}

function renderBlocks(blocks: readonly RootContent[], state: WriteState): string {
  let out = '';
  for (const block of blocks) out += renderBlock(block, state);
  return out;
}

function renderBlock(block: RootContent, state: WriteState): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${renderLine(block.children)}</p>`;
    case 'heading':
      return `<h${block.depth}>${renderLine(block.children)}</h${block.depth}>`;
    case 'list':
      return renderList(block, state);
    case 'code': {
      const lang = block.lang ? `<ac:parameter ac:name="language">${escapeXml(block.lang)}</ac:parameter>` : '';
      return `<ac:structured-macro ac:name="code">${lang}<ac:plain-text-body>${cdata(block.value)}</ac:plain-text-body></ac:structured-macro>`;
    }
    case 'blockquote':
      return `<blockquote>${renderBlocks(block.children, state)}</blockquote>`;
    case 'thematicBreak':
      return '<hr />';
    case 'table':
      return renderTable(block);
    default:
      return '';
  }
}

function isTaskList(list: List): boolean {
  return (
    list.children.length > 0 &&
    list.children.every((item) => {
      if (item.checked === null || item.checked === undefined) return false;
      const [first, ...rest] = item.children;
      return (first === undefined || first.type === 'paragraph') && rest.every((b) => b.type === 'list' && isTaskList(b));
    })
  );
}

function renderList(list: List, state: WriteState): string {
  if (isTaskList(list)) {
    let out = '<ac:task-list>';
    for (const item of list.children) {
      const id = ++state.tasks;
      const [first, ...rest] = item.children;
      const body = (first?.type === 'paragraph' ? renderLine(first.children) : '') + renderBlocks(rest, state);
      out += `<ac:task><ac:task-id>${id}</ac:task-id><ac:task-status>${item.checked ? 'complete' : 'incomplete'}</ac:task-status><ac:task-body>${body}</ac:task-body></ac:task>`;
    }
    return `${out}</ac:task-list>`;
  }
  const items = list.children.map((item) => renderItem(item, list.spread ?? false, state)).join('');
  if (list.ordered) {
    const start = list.start !== null && list.start !== undefined && list.start !== 1 ? ` start="${list.start}"` : '';
    return `<ol${start}>${items}</ol>`;
  }
  return `<ul>${items}</ul>`;
}

/** A tight list's paragraphs render without `<p>` (as CommonMark's HTML does). */
function renderItem(item: ListItem, spread: boolean, state: WriteState): string {
  const box = item.checked === true ? '[x] ' : item.checked === false ? '[ ] ' : '';
  const blocks: RootContent[] = [...item.children];
  if (box !== '') {
    const first = blocks[0];
    const lead = { type: 'text', value: box } as const;
    if (first?.type === 'paragraph') blocks[0] = { ...first, children: [lead, ...first.children] };
    else blocks.unshift({ type: 'paragraph', children: [lead] });
  }
  if (spread) return `<li>${renderBlocks(blocks, state)}</li>`;
  let out = '';
  for (const b of blocks) out += b.type === 'paragraph' ? renderLine(b.children) : renderBlock(b, state);
  return `<li>${out}</li>`;
}

function renderTable(table: Table): string {
  const rows = table.children.map((row, r) => {
    const tag = r === 0 ? 'th' : 'td';
    return `<tr>${row.children.map((cell) => `<${tag}>${renderLine(cell.children)}</${tag}>`).join('')}</tr>`;
  });
  return `<table><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * A block's phrasing: whitespace runs collapse to one space and the ends are trimmed, as
 * HTML would show them, so what is written is what is read back.
 */
function renderLine(nodes: readonly PhrasingContent[]): string {
  const out = renderInlines(nodes);
  return out.replace(/^ +/, '').replace(/ +$/, '');
}

function renderInlines(nodes: readonly PhrasingContent[]): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out += escapeXml(node.value.replace(/[ \t\r\n]+/g, ' '));
        break;
      case 'inlineCode':
        out += `<code>${escapeXml(node.value)}</code>`;
        break;
      case 'break':
        out += '<br />';
        break;
      case 'emphasis':
        out += `<em>${renderInlines(node.children)}</em>`;
        break;
      case 'strong':
        out += `<strong>${renderInlines(node.children)}</strong>`;
        break;
      case 'delete':
        out += `<s>${renderInlines(node.children)}</s>`;
        break;
      case 'link':
        out += `<a href="${escapeXml(node.url)}">${node.children.length > 0 ? renderInlines(node.children) : escapeXml(node.url)}</a>`;
        break;
      case 'image': {
        const alt = node.alt ? ` ac:alt="${escapeXml(node.alt)}"` : '';
        out += `<ac:image${alt}><ri:url ri:value="${escapeXml(node.url)}" /></ac:image>`;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// storage -> mdast -> Markdown
// ---------------------------------------------------------------------------

/** Elements read at most; the rest of a larger body is left out. */
export const STORAGE_READ_MAX_NODES = 500_000;
/** Element nesting kept at most; deeper elements keep only their text. */
export const STORAGE_READ_MAX_DEPTH = 64;

interface El {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: Array<El | string>;
}

/** Parses storage format into a bounded tree. htmlparser2 never throws on bad markup. */
export function parseStorage(xhtml: string): El {
  const root: El = { name: '#root', attrs: {}, children: [] };
  const stack: El[] = [root];
  /** elements opened past the depth limit: their tags are ignored, their text kept */
  let ignoredDepth = 0;
  let nodes = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        nodes++;
        if (nodes > STORAGE_READ_MAX_NODES) return;
        if (stack.length > STORAGE_READ_MAX_DEPTH) {
          ignoredDepth++;
          return;
        }
        const el: El = { name, attrs, children: [] };
        stack[stack.length - 1]?.children.push(el);
        stack.push(el);
      },
      onclosetag(name) {
        if (ignoredDepth > 0) {
          ignoredDepth--;
          return;
        }
        // htmlparser2 closes implied elements itself; pop to the matching one.
        for (let i = stack.length - 1; i > 0; i--) {
          if (stack[i]?.name === name) {
            stack.length = i;
            return;
          }
        }
      },
      ontext(text) {
        if (nodes > STORAGE_READ_MAX_NODES) return;
        nodes++;
        const top = stack[stack.length - 1];
        if (!top) return;
        const last = top.children[top.children.length - 1];
        if (typeof last === 'string') top.children[top.children.length - 1] = last + text;
        else top.children.push(text);
      },
    },
    { decodeEntities: true, recognizeCDATA: true, recognizeSelfClosing: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  try {
    parser.write(typeof xhtml === 'string' ? xhtml : '');
    parser.end();
  } catch {
    // keep what was read
  }
  return root;
}

/**
 * Storage format to Markdown (GFM). Total: any string, however malformed, gives Markdown
 * of at most `MARKDOWN_OUTPUT_MAX_LENGTH` characters; nothing throws.
 */
export function storageToMarkdown(xhtml: string): string {
  return writeMarkdown(storageToMdast(xhtml));
}

export function storageToMdast(xhtml: string): Root {
  return { type: 'root', children: elBlocks(parseStorage(xhtml).children) as RootContent[] };
}

function textOfEl(node: El | string): string {
  const parts: string[] = [];
  const stack: Array<El | string> = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === undefined) break;
    if (typeof n === 'string') parts.push(n);
    else if (n.name === 'ac:parameter') continue;
    else for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as El | string);
  }
  return parts.join('');
}

function child(el: El, name: string): El | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

function parameter(el: El, name: string): string {
  for (const c of el.children) {
    if (typeof c !== 'string' && c.name === 'ac:parameter' && c.attrs['ac:name'] === name) {
      return c.children.map(textOfEl).join('').trim();
    }
  }
  return '';
}

const BLOCK_NAMES = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'hr',
  'table',
  'div',
  'section',
  'ac:task-list',
  'ac:layout',
  'ac:layout-section',
  'ac:layout-cell',
  'ac:rich-text-body',
  'tbody',
  'thead',
  'tfoot',
  'tr',
  'ac:placeholder',
]);

const BLOCK_MACROS = new Set(['code', 'noformat', 'info', 'note', 'warning', 'tip', 'panel', 'expand', 'toc', 'excerpt', 'details', 'section', 'column']);

function isBlockEl(node: El | string): boolean {
  if (typeof node === 'string') return false;
  if (node.name === 'ac:structured-macro' || node.name === 'ac:macro') return BLOCK_MACROS.has(node.attrs['ac:name'] ?? '') || child(node, 'ac:rich-text-body') !== undefined;
  return BLOCK_NAMES.has(node.name);
}

function elBlocks(nodes: ReadonlyArray<El | string>): BlockContent[] {
  const out: BlockContent[] = [];
  let inline: Array<El | string> = [];
  const flush = (): void => {
    if (inline.length > 0) {
      const children = trimPhrasing(elInline(inline));
      if (children.length > 0) out.push({ type: 'paragraph', children });
      inline = [];
    }
  };
  for (const node of nodes) {
    if (isBlockEl(node)) {
      flush();
      out.push(...elBlock(node as El));
    } else inline.push(node);
  }
  flush();
  return out;
}

function elBlock(el: El): BlockContent[] {
  switch (el.name) {
    case 'p':
    case 'ac:placeholder': {
      if (el.name === 'ac:placeholder') return [];
      if (el.children.some(isBlockEl)) return elBlocks(el.children);
      const children = trimPhrasing(elInline(el.children));
      return children.length > 0 ? [{ type: 'paragraph', children }] : [];
    }
    case 'h1':
    case 'h2':
    case 'h3':
    case 'h4':
    case 'h5':
    case 'h6': {
      return [{ type: 'heading', depth: Number(el.name[1]) as Heading['depth'], children: trimPhrasing(elInline(el.children)) }];
    }
    case 'ul':
    case 'ol': {
      const lis = el.children.filter((c): c is El => typeof c !== 'string' && c.name === 'li');
      // Items holding <p> are a loose list.
      const spread = lis.some((li) => li.children.some((c) => typeof c !== 'string' && c.name === 'p'));
      const items = lis.map((li) => ({ ...elItem(li.children, null), spread }));
      if (items.length === 0) return elBlocks(el.children);
      const start = Math.trunc(Number(el.attrs['start'] ?? '1'));
      return [
        {
          type: 'list',
          ordered: el.name === 'ol',
          start: el.name === 'ol' ? (Number.isFinite(start) && start >= 0 ? start : 1) : null,
          spread,
          children: items,
        },
      ];
    }
    case 'li':
      return [{ type: 'list', ordered: false, spread: false, children: [elItem(el.children, null)] }];
    case 'ac:task-list': {
      const items: ListItem[] = [];
      for (const c of el.children) {
        if (typeof c === 'string') continue;
        if (c.name === 'ac:task') {
          const status = textOfEl(child(c, 'ac:task-status') ?? { name: '', attrs: {}, children: [] }).trim();
          const body = child(c, 'ac:task-body');
          items.push(elItem(body ? body.children : [], status === 'complete'));
        } else if (c.name === 'ac:task-list') {
          const nested = elBlock(c);
          const last = items[items.length - 1];
          if (last) last.children.push(...nested);
        }
      }
      return items.length > 0 ? [{ type: 'list', ordered: false, spread: false, children: items }] : [];
    }
    case 'blockquote':
      return [{ type: 'blockquote', children: elBlocks(el.children) }];
    case 'pre':
      return [{ type: 'code', lang: null, meta: null, value: textOfEl(el).replace(/\n$/, '') }];
    case 'hr':
      return [{ type: 'thematicBreak' }];
    case 'table':
      return elTable(el);
    case 'ac:structured-macro':
    case 'ac:macro':
      return elMacro(el);
    default:
      return elBlocks(el.children);
  }
}

function elItem(children: ReadonlyArray<El | string>, checked: boolean | null): ListItem {
  return { type: 'listItem', spread: false, checked, children: elBlocks(children) };
}

function elMacro(el: El): BlockContent[] {
  const name = (el.attrs['ac:name'] ?? '').toLowerCase();
  const body = child(el, 'ac:rich-text-body');
  const inner = (): BlockContent[] => (body ? elBlocks(body.children) : []);
  switch (name) {
    case 'code':
    case 'noformat': {
      const plain = child(el, 'ac:plain-text-body');
      const lang = parameter(el, 'language');
      return [
        {
          type: 'code',
          lang: /^[A-Za-z0-9_+#.-]{1,40}$/.test(lang) ? lang : null,
          meta: null,
          value: plain ? textOfEl(plain) : body ? textOfEl(body) : '',
        },
      ];
    }
    case 'info':
    case 'note':
    case 'warning':
    case 'tip':
    case 'panel': {
      const title = parameter(el, 'title');
      const label = `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}:${title ? ` ${title}` : ''}`;
      return [{ type: 'blockquote', children: ledBy(label, inner()) }];
    }
    case 'expand': {
      const title = parameter(el, 'title') || 'Details';
      return [{ type: 'paragraph', children: [{ type: 'strong', children: [{ type: 'text', value: title }] }] }, ...inner()];
    }
    default: {
      if (body) return inner();
      const phrasing = macroInline(el);
      return phrasing.length > 0 ? [{ type: 'paragraph', children: phrasing }] : [];
    }
  }
}

function ledBy(label: string, blocks: BlockContent[]): BlockContent[] {
  const lead: PhrasingContent = { type: 'strong', children: [{ type: 'text', value: label }] };
  const first = blocks[0];
  if (first?.type === 'paragraph') return [{ type: 'paragraph', children: [lead, { type: 'text', value: ' ' }, ...first.children] }, ...blocks.slice(1)];
  return [{ type: 'paragraph', children: [lead] }, ...blocks];
}

function elTable(el: El): BlockContent[] {
  const rows: TableRow[] = [];
  const visit = (node: El): void => {
    for (const c of node.children) {
      if (typeof c === 'string') continue;
      if (c.name === 'tr') {
        const cells: TableCell[] = [];
        for (const cell of c.children) {
          if (typeof cell === 'string' || (cell.name !== 'td' && cell.name !== 'th')) continue;
          cells.push({ type: 'tableCell', children: cellPhrasing(cell.children) });
          const span = Math.trunc(Number(cell.attrs['colspan'] ?? '1'));
          for (let i = 1; i < Math.min(span, 100); i++) cells.push({ type: 'tableCell', children: [] });
        }
        if (cells.length > 0) rows.push({ type: 'tableRow', children: cells });
      } else if (c.name === 'tbody' || c.name === 'thead' || c.name === 'tfoot') visit(c);
    }
  };
  visit(el);
  return rows.length > 0 ? [{ type: 'table', align: null, children: rows } satisfies Table] : [];
}

/** A cell holds one line: its blocks are joined with `<br>` (read back as a hard break). */
function cellPhrasing(nodes: ReadonlyArray<El | string>): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const push = (children: readonly PhrasingContent[]): void => {
    if (children.length === 0) return;
    if (out.length > 0) out.push({ type: 'html', value: '<br>' });
    for (const c of children) out.push(c.type === 'break' ? { type: 'html', value: '<br>' } : c);
  };
  const walk = (blocks: readonly BlockContent[]): void => {
    for (const b of blocks) {
      if (b.type === 'paragraph' || b.type === 'heading') push(b.children);
      else if (b.type === 'code') push([{ type: 'inlineCode', value: b.value.replace(/\n/g, ' ') }]);
      else if (b.type === 'list') {
        for (const item of b.children) {
          const first: PhrasingContent = { type: 'text', value: item.checked === true ? '[x] ' : item.checked === false ? '[ ] ' : '- ' };
          const inner: PhrasingContent[] = [];
          for (const ib of item.children) if (ib.type === 'paragraph') inner.push(...ib.children);
          push([first, ...inner]);
        }
      } else if (b.type === 'blockquote') walk(b.children as BlockContent[]);
      else if (b.type === 'table') for (const row of b.children) for (const cell of row.children) push(cell.children);
    }
  };
  walk(elBlocks(nodes));
  return out;
}

/** Collapses whitespace the way HTML does and trims the ends of a block's phrasing. */
function trimPhrasing(nodes: PhrasingContent[]): PhrasingContent[] {
  const first = nodes[0];
  if (first?.type === 'text') first.value = first.value.replace(/^[ \t\r\n]+/, '');
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text') last.value = last.value.replace(/[ \t\r\n]+$/, '');
  return nodes.filter((n) => n.type !== 'text' || n.value !== '');
}

function elInline(nodes: ReadonlyArray<El | string>): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const pushText = (value: string): void => {
    if (value === '') return;
    const last = out[out.length - 1];
    if (last?.type === 'text') last.value += value;
    else out.push({ type: 'text', value });
  };
  const wrap = (type: 'strong' | 'emphasis' | 'delete', children: ReadonlyArray<El | string>): void => {
    const inner = elInline(children);
    if (inner.length > 0) out.push({ type, children: inner });
  };
  for (const node of nodes) {
    if (typeof node === 'string') {
      pushText(node.replace(/[ \t\r\n]+/g, ' '));
      continue;
    }
    switch (node.name) {
      case 'strong':
      case 'b':
        wrap('strong', node.children);
        break;
      case 'em':
      case 'i':
      case 'cite':
        wrap('emphasis', node.children);
        break;
      case 's':
      case 'del':
      case 'strike':
        wrap('delete', node.children);
        break;
      case 'code':
      case 'tt':
      case 'kbd': {
        const value = textOfEl(node);
        if (value !== '') out.push({ type: 'inlineCode', value });
        break;
      }
      case 'br':
        out.push({ type: 'break' });
        break;
      case 'a': {
        const href = node.attrs['href'] ?? '';
        const inner = elInline(node.children);
        if ('href' in node.attrs && isAllowedHref(href)) out.push({ type: 'link', url: href, title: null, children: inner });
        else out.push(...inner);
        break;
      }
      case 'img': {
        const src = node.attrs['src'] ?? '';
        if (src !== '' && isAllowedHref(src)) out.push({ type: 'image', url: src, alt: node.attrs['alt'] ?? '', title: null });
        break;
      }
      case 'ac:image': {
        const url = child(node, 'ri:url')?.attrs['ri:value'] ?? '';
        const file = child(node, 'ri:attachment')?.attrs['ri:filename'] ?? '';
        const alt = node.attrs['ac:alt'] ?? node.attrs['ac:title'] ?? '';
        if (url !== '' && isAllowedHref(url)) out.push({ type: 'image', url, alt, title: null });
        else if (file !== '') out.push({ type: 'image', url: file, alt: alt || file, title: null });
        break;
      }
      case 'ac:link':
        out.push(...acLink(node));
        break;
      case 'ac:emoticon': {
        const short = node.attrs['ac:emoji-shortname'] ?? '';
        const name = node.attrs['ac:name'] ?? '';
        pushText(short !== '' ? (/^:.*:$/.test(short) ? short : `:${short}:`) : name !== '' ? `:${name}:` : node.attrs['ac:emoji-fallback'] ?? '');
        break;
      }
      case 'time': {
        pushText(node.attrs['datetime'] ?? textOfEl(node));
        break;
      }
      case 'ac:structured-macro':
      case 'ac:macro':
        for (const p of macroInline(node)) {
          if (p.type === 'text') pushText(p.value);
          else out.push(p);
        }
        break;
      case 'ac:parameter':
      case 'ac:placeholder':
      case 'ac:task-id':
      case 'script':
      case 'style':
        break;
      case 'ri:user':
        pushText(userName(node));
        break;
      default:
        for (const p of elInline(node.children)) {
          if (p.type === 'text') pushText(p.value);
          else out.push(p);
        }
    }
  }
  return out;
}

function userName(el: El): string {
  const id = el.attrs['ri:username'] ?? el.attrs['ri:userkey'] ?? el.attrs['ri:account-id'] ?? '';
  return `@${id}`;
}

function acLink(el: El): PhrasingContent[] {
  const body = child(el, 'ac:link-body') ?? child(el, 'ac:plain-text-link-body');
  const bodyInline = body ? trimPhrasing(elInline(body.children)) : [];
  const anchor = el.attrs['ac:anchor'] ?? '';
  const page = child(el, 'ri:page') ?? child(el, 'ri:blog-post') ?? child(el, 'ri:content-entity');
  const user = child(el, 'ri:user');
  const attachment = child(el, 'ri:attachment');
  const url = child(el, 'ri:url')?.attrs['ri:value'];
  if (user && bodyInline.length === 0) return [{ type: 'text', value: userName(user) }];
  let title = '';
  let href = '';
  if (page) {
    title = page.attrs['ri:content-title'] ?? page.attrs['ri:content-id'] ?? '';
    href = encodeURI(title) + (anchor ? `#${encodeURIComponent(anchor)}` : '');
  } else if (attachment) {
    title = attachment.attrs['ri:filename'] ?? '';
    href = encodeURI(title);
  } else if (url !== undefined && isAllowedHref(url)) {
    title = url;
    href = url;
  } else if (anchor) {
    title = anchor;
    href = `#${encodeURIComponent(anchor)}`;
  } else if (user) {
    return bodyInline;
  }
  const children = bodyInline.length > 0 ? bodyInline : title !== '' ? [{ type: 'text' as const, value: title }] : [];
  if (href === '' || children.length === 0) return children;
  return [{ type: 'link', url: href, title: null, children }];
}

/** Inline macros: `jira` as the issue key, `status` as `[STATUS]`, others as their body's text. */
function macroInline(el: El): PhrasingContent[] {
  const name = (el.attrs['ac:name'] ?? '').toLowerCase();
  if (name === 'jira') {
    const key = parameter(el, 'key');
    return key !== '' ? [{ type: 'text', value: key }] : [];
  }
  if (name === 'status') {
    const title = parameter(el, 'title') || parameter(el, 'colour') || 'status';
    return [{ type: 'text', value: `[${title.toUpperCase()}]` }];
  }
  const body = child(el, 'ac:rich-text-body') ?? child(el, 'ac:plain-text-body');
  if (!body) return [];
  return elInline(body.children);
}

export type { List };
