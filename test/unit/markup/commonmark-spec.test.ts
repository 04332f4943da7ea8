/**
 * The CommonMark specification's 652 examples, through every writer and back:
 * - every example's ADF validates against Atlassian's ADF JSON schema;
 * - at least 97 % keep the visible text of the reference rendering (`commonmark`), the
 *   others listed below with the reason;
 * - storage output is well-formed, namespace-aware XML;
 * - Markdown -> ADF -> Markdown -> ADF, and the same through storage format, give the same
 *   document for at least 95 %, the others listed below.
 */
import { describe, expect, it } from 'vitest';
import { adfToMarkdown, markdownToAdf } from '../../../src/domain/markup/adf.js';
import { markdownToStorage, storageToMarkdown } from '../../../src/domain/markup/confluence-storage.js';
import {
  referenceHtml,
  specExamples,
  storageXmlError,
  validateAdf,
  visibleAdfText,
  visibleHtmlText,
} from './spec-support.js';

/** Examples whose ADF does not show the reference text, and why. */
const TEXT_EXCEPTIONS: Readonly<Record<number, string>> = {
  484: '`[](./target.md)`: ADF cannot hold a link without text, so the URL becomes its text',
};

/** Examples whose ADF changes on a round trip through Markdown, and why. */
const ADF_ROUND_TRIP_EXCEPTIONS: Readonly<Record<number, string>> = {
  487: '`[]()`: a link with neither text nor URL leaves an empty paragraph, which reads back as nothing',
};

/** Examples whose storage format changes on a round trip through Markdown, and why. */
const STORAGE_ROUND_TRIP_EXCEPTIONS: Readonly<Record<number, string>> = {};

const n = specExamples.length;
const percent = (k: number): number => (100 * k) / n;

describe('the CommonMark spec examples', () => {
  it('are all there', () => {
    expect(n).toBe(652);
  });

  it('every example becomes ADF that Atlassian’s JSON schema accepts', () => {
    const invalid: string[] = [];
    for (const ex of specExamples) {
      if (!validateAdf(markdownToAdf(ex.markdown))) invalid.push(`${ex.number}: ${JSON.stringify(validateAdf.errors?.[0])}`);
    }
    expect(invalid).toEqual([]);
  });

  it('at least 97 % keep the reference rendering’s visible text, and the others are the listed ones', () => {
    const lost: number[] = [];
    for (const ex of specExamples) {
      if (visibleAdfText(markdownToAdf(ex.markdown)) !== visibleHtmlText(referenceHtml(ex.markdown))) lost.push(ex.number);
    }
    expect(lost).toEqual(Object.keys(TEXT_EXCEPTIONS).map(Number));
    expect(percent(n - lost.length)).toBeGreaterThanOrEqual(97);
  });

  it('the reference renderer and the spec agree (the comparison is against the right HTML)', () => {
    const differ = specExamples.filter((ex) => visibleHtmlText(referenceHtml(ex.markdown)) !== visibleHtmlText(ex.html));
    expect(differ.map((ex) => ex.number)).toEqual([]);
  });

  it('every example’s storage format is well-formed XML with the ac: and ri: namespaces declared', () => {
    const bad: string[] = [];
    for (const ex of specExamples) {
      const error = storageXmlError(markdownToStorage(ex.markdown));
      if (error) bad.push(`${ex.number}: ${error}`);
    }
    expect(bad).toEqual([]);
    // Not vacuous: the check refuses broken XML and an undeclared prefix.
    expect(storageXmlError('<p>a')).toBeDefined();
    expect(storageXmlError('<x:y />')).toBeDefined();
  });

  it('Markdown -> ADF -> Markdown -> ADF gives the same ADF for at least 95 %', () => {
    const changed: number[] = [];
    for (const ex of specExamples) {
      const adf = markdownToAdf(ex.markdown);
      if (JSON.stringify(markdownToAdf(adfToMarkdown(adf))) !== JSON.stringify(adf)) changed.push(ex.number);
    }
    expect(changed).toEqual(Object.keys(ADF_ROUND_TRIP_EXCEPTIONS).map(Number));
    expect(percent(n - changed.length)).toBeGreaterThanOrEqual(95);
  });

  it('Markdown -> storage -> Markdown -> storage gives the same storage for at least 95 %', () => {
    const changed: number[] = [];
    for (const ex of specExamples) {
      const storage = markdownToStorage(ex.markdown);
      if (markdownToStorage(storageToMarkdown(storage)) !== storage) changed.push(ex.number);
    }
    expect(changed).toEqual(Object.keys(STORAGE_ROUND_TRIP_EXCEPTIONS).map(Number));
    expect(percent(n - changed.length)).toBeGreaterThanOrEqual(95);
  });
});
