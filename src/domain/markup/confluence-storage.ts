/**
 * Markdown to Confluence storage format (XHTML), for page bodies sent with
 * `representation: "storage"`. Every text and attribute value is XML-escaped;
 * code blocks use the `code` macro with a CDATA body.
 */
import { inlineEvents, parseMarkdown, type Block, type Inline, type ListItem, type Mark } from './markdown.js';

export function markdownToStorage(md: string): string {
  return renderBlocks(parseMarkdown(md));
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

function renderBlocks(blocks: readonly Block[]): string {
  let out = '';
  for (const block of blocks) out += renderBlock(block);
  return out;
}

function renderBlock(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${renderInlines(block.content)}</p>`;
    case 'heading':
      return `<h${block.level}>${renderInlines(block.content)}</h${block.level}>`;
    case 'bulletList':
      return `<ul>${block.items.map(renderItem).join('')}</ul>`;
    case 'orderedList': {
      const start = block.start !== 1 ? ` start="${block.start}"` : '';
      return `<ol${start}>${block.items.map(renderItem).join('')}</ol>`;
    }
    case 'codeBlock': {
      const lang =
        block.language !== undefined
          ? `<ac:parameter ac:name="language">${escapeXml(block.language)}</ac:parameter>`
          : '';
      return `<ac:structured-macro ac:name="code">${lang}<ac:plain-text-body>${cdata(block.text)}</ac:plain-text-body></ac:structured-macro>`;
    }
    case 'blockquote':
      return `<blockquote>${renderBlocks(block.content)}</blockquote>`;
    case 'rule':
      return '<hr />';
  }
}

/** A tight item (one paragraph, then only lists) renders its text without `<p>`. */
function renderItem(item: ListItem): string {
  const [first, ...rest] = item.content;
  if (first && first.type === 'paragraph' && rest.every((b) => b.type === 'bulletList' || b.type === 'orderedList')) {
    return `<li>${renderInlines(first.content)}${renderBlocks(rest)}</li>`;
  }
  return `<li>${renderBlocks(item.content)}</li>`;
}

function openTag(mark: Mark): string {
  switch (mark.type) {
    case 'strong':
      return '<strong>';
    case 'em':
      return '<em>';
    case 'strike':
      return '<s>';
    case 'code':
      return '<code>';
    case 'link':
      return `<a href="${escapeXml(mark.href)}">`;
  }
}

function closeTag(mark: Mark): string {
  switch (mark.type) {
    case 'strong':
      return '</strong>';
    case 'em':
      return '</em>';
    case 'strike':
      return '</s>';
    case 'code':
      return '</code>';
    case 'link':
      return '</a>';
  }
}

function renderInlines(inlines: readonly Inline[]): string {
  let out = '';
  for (const ev of inlineEvents(inlines)) {
    switch (ev.kind) {
      case 'open':
        out += openTag(ev.mark);
        break;
      case 'close':
        out += closeTag(ev.mark);
        break;
      case 'text':
        out += escapeXml(ev.text);
        break;
      case 'hardBreak':
        out += '<br />';
        break;
    }
  }
  return out;
}
