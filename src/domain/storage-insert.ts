/**
 * Inserting into a Confluence storage document without rewriting the rest: the new part is
 * spliced into the XHTML text as it is, so macros, layouts and anything else Markdown could
 * not keep stay byte for byte.
 */

const TAG = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<(\/?)([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
const HEADING = /^h([1-6])$/i;

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The visible text of an XHTML fragment: tags dropped, entities decoded, white space collapsed. */
export const visibleText = (xhtml: string): string =>
  xhtml
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ')
    .trim();

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

export interface Heading {
  readonly level: number;
  readonly text: string;
  /** Offset just after its closing tag. */
  readonly end: number;
}

/** The headings of a storage document, in order. */
export const headingsOf = (storage: string): Heading[] => {
  const found: Heading[] = [];
  // A heading written inside a code macro's CDATA (or a comment) is text, not a heading.
  const masked = storage.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (m) => ' '.repeat(m.length));
  const re = /<h([1-6])(?:\s[^>]*)?>([\s\S]*?)<\/h\1\s*>/gi;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    found.push({ level: Number(m[1]), text: visibleText(m[2] ?? ''), end: m.index + m[0].length });
  }
  return found;
};

/**
 * Where a section ends: scanning on from `from`, the first heading of `level` or higher at
 * the same nesting, or the closing tag of the element the heading sits in (a layout cell, a
 * panel body), or the end of the document.
 */
const sectionEnd = (storage: string, from: number, level: number): number => {
  let depth = 0;
  TAG.lastIndex = from;
  for (let m = TAG.exec(storage); m; m = TAG.exec(storage)) {
    const [whole, closing, name, , selfClosing] = m;
    if (name === undefined) continue; // CDATA or a comment
    if (closing) {
      if (depth === 0) return m.index;
      depth -= 1;
      continue;
    }
    const heading = HEADING.exec(name);
    if (depth === 0 && heading && Number(heading[1]) <= level) return m.index;
    if (!selfClosing && !whole.endsWith('/>')) depth += 1;
  }
  return storage.length;
};

/**
 * `addition` (storage) at the end of `storage`, or at the end of the section under the first
 * heading whose text is `heading` (case and white space ignored). Undefined when no heading
 * has that text.
 */
export const insertIntoStorage = (storage: string, addition: string, heading?: string): string | undefined => {
  if (heading === undefined) return `${storage}${addition}`;
  const wanted = normalise(heading);
  const target = headingsOf(storage).find((h) => normalise(h.text) === wanted);
  if (!target) return undefined;
  const at = sectionEnd(storage, target.end, target.level);
  return `${storage.slice(0, at)}${addition}${storage.slice(at)}`;
};
