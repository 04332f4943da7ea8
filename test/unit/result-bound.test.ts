import { describe, expect, it } from 'vitest';
import { boundResult, cutText } from '../../src/application/result-bound.js';

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('TOOL_RESULT_MAX_BYTES', () => {
  it('leaves a result that fits alone, the very same value', () => {
    const small = { items: [{ key: 'OPS-1' }], next_cursor: null };
    expect(boundResult(small, 1024)).toBe(small);
  });

  it('cuts the longest text at a paragraph boundary first, and says so', () => {
    const paragraphs = Array.from({ length: 200 }, (_, i) => `Paragraph ${i} says something about the issue.`).join('\n\n');
    const result = { key: 'OPS-1', summary: 'Short', description: paragraphs };
    const bounded = boundResult(result, 2048) as typeof result & { truncated: boolean; truncated_hint: string };
    expect(size(bounded)).toBeLessThanOrEqual(2048);
    expect(bounded.truncated).toBe(true);
    expect(bounded.truncated_hint).toMatch(/TOOL_RESULT_MAX_BYTES/);
    expect(bounded.summary).toBe('Short');
    expect(bounded.description.endsWith('\n\n…')).toBe(true);
    // Cut between paragraphs: what is left is whole paragraphs.
    expect(bounded.description.replace(/\n\n…$/, '').split('\n\n').every((p) => /^Paragraph \d+ says something about the issue\.$/.test(p))).toBe(true);
    expect(result.description).toBe(paragraphs); // the input is not changed
  });

  it('drops the last items of a long list when cutting texts is not enough', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ key: `OPS-${i}`, summary: `Issue number ${i}` }));
    const bounded = boundResult({ items, next_cursor: 'abc' }, 4096) as { items: typeof items; truncated: boolean };
    expect(size(bounded)).toBeLessThanOrEqual(4096);
    expect(bounded.truncated).toBe(true);
    expect(bounded.items.length).toBeGreaterThan(10);
    expect(bounded.items).toEqual(items.slice(0, bounded.items.length));
  });

  it('cuts at a space when there is no line end, and never splits a surrogate pair', () => {
    expect(cutText('one two three four five six seven', 20)).toBe('one two three four\n\n…');
    expect(cutText('aaaa 😀😀😀😀 bbbb cccc', 12)).toBe('aaaa 😀😀😀\n\n…');
    const emoji = '😀'.repeat(100);
    const cut = cutText(emoji, 51);
    expect(cut.replace('\n\n…', '')).toMatch(/^(?:\uD83D\uDE00)+$/);
  });
});
