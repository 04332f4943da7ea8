import { describe, expect, it } from 'vitest';
import { RenderCache } from '../../src/application/confluence/render-cache.js';

describe('RenderCache (page bodies rendered to Markdown)', () => {
  it('renders once per source text, and again as soon as the text under the key changes', () => {
    const cache = new RenderCache();
    const calls: string[] = [];
    const render = (s: string) => {
      calls.push(s);
      return s.toUpperCase();
    };
    expect(cache.get('p1', '<p>a</p>', render)).toBe('<P>A</P>');
    expect(cache.get('p1', '<p>a</p>', render)).toBe('<P>A</P>');
    expect(calls).toEqual(['<p>a</p>']);
    // Same key, other text (a new version, or another site's page): a miss, never the old answer.
    expect(cache.get('p1', '<p>b</p>', render)).toBe('<P>B</P>');
    expect(cache.get('p1', '<p>a</p>', render)).toBe('<P>A</P>');
    expect(calls).toEqual(['<p>a</p>', '<p>b</p>', '<p>a</p>']);
  });

  it('keeps at most its entries and characters, dropping the least recently used', () => {
    const cache = new RenderCache(2, 1000);
    let renders = 0;
    const render = (s: string) => {
      renders += 1;
      return s;
    };
    cache.get('a', 'x', render);
    cache.get('b', 'y', render);
    cache.get('a', 'x', render); // a is now the most recent
    cache.get('c', 'z', render); // b goes
    expect(renders).toBe(3);
    cache.get('a', 'x', render);
    expect(renders).toBe(3);
    cache.get('b', 'y', render);
    expect(renders).toBe(4);
    // Something over a quarter of the character budget is rendered but not kept.
    const big = 'q'.repeat(300);
    cache.get('big', big, render);
    cache.get('big', big, render);
    expect(renders).toBe(6);
  });
});
