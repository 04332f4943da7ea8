/**
 * Markdown to Jira wiki markup, for Jira Data Center (REST v2 speaks wiki
 * markup, not ADF).
 *
 * Plain text is escaped with backslashes wherever it could start markup:
 * `{ } [ ] | * _` always; `- + ^ ~ !` when they could open a text effect
 * (followed by a non-space, and for `- + ^ ~` preceded by a boundary); `??`;
 * and at the start of a block `#`, `-`, `h1.`..`h6.` and `bq.`. A literal
 * backslash that would escape what follows is written as the entity `&#92;`.
 *
 * Known limits of wiki markup: an ordered list cannot keep its start number,
 * a list item cannot hold several paragraphs (they are joined with `\\` line
 * breaks), code blocks inside list items end the list, and text effects that
 * begin or end mid-word may not render as such.
 */
import { inlineEvents, parseMarkdown, type Block, type Inline, type ListItem, type Mark } from './markdown.js';

export function markdownToJiraWiki(md: string): string {
  return renderBlocks(parseMarkdown(md), false).join('\n\n');
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

/** Link targets cannot contain `|`, brackets, braces or whitespace in wiki markup. */
function wikiUrl(href: string): string {
  return href.replace(/[|[\]{}\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function openMark(mark: Mark): string {
  switch (mark.type) {
    case 'strong':
      return '*';
    case 'em':
      return '_';
    case 'strike':
      return '-';
    case 'code':
      return '{{';
    case 'link':
      return '[';
  }
}

function closeMark(mark: Mark): string {
  switch (mark.type) {
    case 'strong':
      return '*';
    case 'em':
      return '_';
    case 'strike':
      return '-';
    case 'code':
      return '}}';
    case 'link':
      return `|${wikiUrl(mark.href)}]`;
  }
}

function renderInlines(inlines: readonly Inline[]): string {
  let out = '';
  for (const ev of inlineEvents(inlines)) {
    switch (ev.kind) {
      case 'open':
        out += openMark(ev.mark);
        break;
      case 'close':
        out += closeMark(ev.mark);
        break;
      case 'text':
        out += escapeWikiText(ev.text, out === '');
        break;
      case 'hardBreak':
        out += '\\\\';
        break;
    }
  }
  return out;
}

/** Keeps `{code}` inside a code block from closing it early (a zero-width space is inserted). */
function protectCode(text: string): string {
  return text.replace(/\{(code|noformat)/gi, '{\u200B$1');
}

function renderBlocks(blocks: readonly Block[], inQuote: boolean): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
        out.push(renderInlines(block.content));
        break;
      case 'heading':
        out.push(`h${block.level}. ${renderInlines(block.content)}`);
        break;
      case 'bulletList':
      case 'orderedList':
        out.push(renderList(block, '').join('\n'));
        break;
      case 'codeBlock': {
        const open = block.language !== undefined ? `{code:${block.language}}` : '{code}';
        out.push(`${open}\n${protectCode(block.text)}\n{code}`);
        break;
      }
      case 'blockquote': {
        if (inQuote) {
          out.push(...renderBlocks(block.content, true));
        } else {
          const only = block.content[0];
          if (
            block.content.length === 1 &&
            only &&
            only.type === 'paragraph' &&
            !only.content.some((n) => n.type === 'hardBreak')
          ) {
            out.push(`bq. ${renderInlines(only.content)}`);
          } else {
            out.push(`{quote}\n${renderBlocks(block.content, true).join('\n\n')}\n{quote}`);
          }
        }
        break;
      }
      case 'rule':
        out.push('----');
        break;
    }
  }
  return out;
}

type ListBlock = Extract<Block, { type: 'bulletList' | 'orderedList' }>;

function renderList(list: ListBlock, prefix: string): string[] {
  const marker = prefix + (list.type === 'orderedList' ? '#' : '*');
  const lines: string[] = [];
  for (const item of list.items) lines.push(...renderItem(item, marker));
  return lines;
}

function itemTexts(blocks: readonly Block[], texts: string[], after: string[], marker: string): void {
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
      case 'heading':
        texts.push(renderInlines(block.content));
        break;
      case 'blockquote':
        itemTexts(block.content, texts, after, marker);
        break;
      case 'bulletList':
      case 'orderedList':
        after.push(...renderList(block, marker));
        break;
      case 'codeBlock':
        after.push(...renderBlocks([block], false));
        break;
      case 'rule':
        break;
    }
  }
}

function renderItem(item: ListItem, marker: string): string[] {
  const texts: string[] = [];
  const after: string[] = [];
  itemTexts(item.content, texts, after, marker);
  return [`${marker} ${texts.join('\\\\')}`, ...after];
}
