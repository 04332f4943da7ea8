/**
 * Helpers for the markup tests: the CommonMark spec's examples, the reference renderer
 * (`commonmark`), Atlassian's ADF JSON schema (`@atlaskit/adf-schema`), a strict XML
 * parser for storage format, and "visible text" of HTML and ADF for comparing them.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04Module from 'ajv-draft-04';
import * as commonmark from 'commonmark';
import { Parser as HtmlParser } from 'htmlparser2';
import { SaxesParser } from 'saxes';

const require = createRequire(import.meta.url);

export interface SpecExample {
  readonly number: number;
  readonly section: string;
  readonly markdown: string;
  readonly html: string;
}

/** The 652 examples of the CommonMark spec, tabs restored (the spec file writes them as `→`). */
export const specExamples: readonly SpecExample[] = (
  require('commonmark-spec') as { tests: SpecExample[] }
).tests.map((ex) => ({ ...ex, markdown: ex.markdown.replace(/→/g, '\t'), html: ex.html.replace(/→/g, '\t') }));

const reader = new commonmark.Parser();
const writer = new commonmark.HtmlRenderer();

/** The reference rendering of the CommonMark project. */
export function referenceHtml(md: string): string {
  return writer.render(reader.parse(md));
}

const BLOCK_TAGS = /^(p|li|h[1-6]|blockquote|pre|ul|ol|table|tr|td|th|div|hr|br)$/;

/** What a browser would show of some HTML, whitespace collapsed: text only, blocks apart. */
export function visibleHtmlText(html: string): string {
  let text = '';
  const parser = new HtmlParser(
    {
      ontext(t) {
        text += t;
      },
      onopentag(name) {
        if (BLOCK_TAGS.test(name)) text += ' ';
      },
      onclosetag(name) {
        if (BLOCK_TAGS.test(name)) text += ' ';
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return text.replace(/\s+/g, ' ').trim();
}

interface AnyAdf {
  readonly type?: string;
  readonly text?: string;
  readonly content?: readonly AnyAdf[];
}

/** The text an ADF document shows, whitespace collapsed, blocks apart. */
export function visibleAdfText(doc: AnyAdf): string {
  const parts: string[] = [];
  const walk = (node: AnyAdf): void => {
    if (node.type === 'text') parts.push(node.text ?? '');
    else if (node.type === 'hardBreak') parts.push(' ');
    if (node.content) {
      for (const c of node.content) walk(c);
      parts.push(' ');
    }
  };
  walk(doc);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

const schema = JSON.parse(
  fs.readFileSync(require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json'), 'utf8'),
) as object;
// CommonJS with `module.exports.default`: under NodeNext the default import is the module object.
const AjvDraft04 = AjvDraft04Module.default;
const ajv = new AjvDraft04({ strict: false, allErrors: false });

/** Atlassian's ADF JSON schema (draft-04), as shipped in `@atlaskit/adf-schema`. */
export const validateAdf = ajv.compile(schema);

/** The error a strict, namespace-aware XML parser reports for storage output, or undefined. */
export function storageXmlError(storage: string): string | undefined {
  const parser = new SaxesParser({ xmlns: true });
  let error: string | undefined;
  parser.on('error', (e) => {
    error ??= e.message;
  });
  parser.write(
    `<root xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier">${storage}</root>`,
  );
  parser.close();
  return error;
}
