/**
 * Jira's rich text rendered to Markdown through a cache: agents and product UIs read the same
 * issue again and again, and converting a 20 KB description with 20 comments costs several
 * times more than everything else of the read. An entry answers only for the very value it
 * was made from (ADF compared as its JSON text, wiki markup as itself), so an edited
 * description or comment is a miss, never a stale answer. Raw formats pass through as before.
 */
import { renderRichText, type RichTextRenderer } from '../../domain/jira-issue.js';
import { adfToMarkdown } from '../../domain/markup/adf.js';
import { jiraWikiToMarkdown } from '../../domain/markup/jira-wiki.js';
import type { TenantId } from '../../domain/tenant.js';
import { RenderCache } from '../confluence/render-cache.js';

/** Shared by every reader of this process: up to 4096 values and 32 M characters. */
const rendered = new RenderCache(4096);

/** The rich-text renderer for one tenant's reads (its slots are its own). */
export const cachedRichText =
  (tenantId: TenantId): RichTextRenderer =>
  (value, format, slot) => {
    if (format !== 'markdown' || value === null || value === undefined) return renderRichText(value, format);
    const key = `${tenantId}\u0000${slot}`;
    if (typeof value === 'string') return rendered.get(`${key}\u0000wiki`, value, jiraWikiToMarkdown);
    if (typeof value !== 'object' || Array.isArray(value)) return renderRichText(value, format);
    let source: string;
    try {
      source = JSON.stringify(value);
    } catch {
      // Nested deeper than JSON.stringify's stack allows: the reader bounds its depth itself.
      return renderRichText(value, format);
    }
    return rendered.get(`${key}\u0000adf`, source, () => adfToMarkdown(value));
  };
