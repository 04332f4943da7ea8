/**
 * Jira's rich text rendered to Markdown through a cache: agents and product UIs read the same
 * issue again and again, and converting a 20 KB description with 20 comments costs several
 * times more than everything else of the read. An entry answers only for the very value it
 * was made from (wiki markup compared as its text, ADF compared node by node with the
 * document it was rendered from), so an edited description or comment is a miss, never a
 * stale answer. Raw formats pass through as before.
 */
import { renderRichText, type RichTextRenderer } from '../../domain/jira-issue.js';
import { adfToMarkdown } from '../../domain/markup/adf.js';
import { jiraWikiToMarkdown } from '../../domain/markup/jira-wiki.js';
import type { TenantId } from '../../domain/tenant.js';
import { RenderCache, type SourcePolicy } from '../confluence/render-cache.js';

/** Wiki markup (Data Center) rendered recently: up to 4096 values and 32 M characters. */
const renderedWiki = new RenderCache(4096);

/** Deeper than this, two values are not compared (the entry is a miss and rendered anew). */
const MAX_COMPARED_DEPTH = 256;

/**
 * Whether two parsed JSON values are the same value. Walking both costs a fraction of
 * serializing one (the test of a cache hit on every read: 0.1 ms for the issue benchmark's
 * description and comments as JSON text).
 */
const sameJson = (a: unknown, b: unknown, depth: number): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > MAX_COMPARED_DEPTH)
    return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Readonly<Record<string, unknown>>;
  const rb = b as Readonly<Record<string, unknown>>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  for (const k of keys) if (!Object.hasOwn(rb, k) || !sameJson(ra[k], rb[k], depth + 1)) return false;
  return true;
};

/**
 * A parsed ADF document takes about this many bytes of heap per character of its JSON text
 * (2.3 measured for the issue benchmark's description), where a string of Markdown or wiki
 * markup takes one or two.
 */
const HEAP_PER_JSON_CHAR = 3;

/**
 * ADF documents compared node by node. An entry keeps its own copy, parsed from the JSON text
 * made on the miss to measure it: a gateway that handed out one object twice and changed it
 * in between must not find its changed value answered by the old Markdown.
 */
const ADF: SourcePolicy<object> = {
  same: (kept, source) => sameJson(kept, source, 0),
  keep: (source, rendered) => {
    let json: string;
    try {
      json = JSON.stringify(source);
    } catch {
      // Nested deeper than JSON.stringify's stack allows: rendered (the reader bounds its depth), not kept.
      return undefined;
    }
    return { kept: JSON.parse(json) as object, cost: HEAP_PER_JSON_CHAR * json.length + rendered.length };
  },
};

/**
 * ADF documents (Cloud) rendered recently, with a copy of the document each came from: up to
 * 4096 values and about 32 MB.
 */
export class AdfRenderCache {
  private readonly cache: RenderCache<object>;

  constructor(
    private readonly render: (adf: object) => string = adfToMarkdown,
    maxEntries = 4096,
    maxBytes = 32 * 1024 * 1024,
  ) {
    this.cache = new RenderCache(maxEntries, maxBytes, ADF);
  }

  get(key: string, source: object): string {
    return this.cache.get(key, source, this.render);
  }
}

const renderedAdf = new AdfRenderCache();

/** The rich-text renderer for one tenant's reads (its slots are its own). */
export const cachedRichText =
  (tenantId: TenantId): RichTextRenderer =>
  (value, format, slot) => {
    if (format !== 'markdown' || value === null || value === undefined) return renderRichText(value, format);
    const key = `${tenantId}\u0000${slot}`;
    if (typeof value === 'string') return renderedWiki.get(key, value, jiraWikiToMarkdown);
    if (typeof value !== 'object' || Array.isArray(value)) return renderRichText(value, format);
    return renderedAdf.get(key, value);
  };
