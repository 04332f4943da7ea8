/**
 * The Markdown of page bodies read recently, so that reading an unchanged page again costs
 * no conversion: a 100 KB storage body takes tens of milliseconds to render, the lookup a
 * string comparison. An entry answers only for the very storage text it was made from
 * (compared whole), so a changed page, or another page that happens to share the key, is
 * simply a miss. Bounded by entries and by characters; the least recently used go first.
 */
export class RenderCache {
  private readonly entries = new Map<string, { readonly source: string; readonly rendered: string }>();
  private size = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxChars = 32 * 1024 * 1024,
  ) {}

  /** `render(source)`, from the cache when `key` last rendered exactly this source. */
  get(key: string, source: string, render: (source: string) => string): string {
    const hit = this.entries.get(key);
    if (hit && hit.source === source) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.rendered;
    }
    const rendered = render(source);
    if (hit) this.drop(key, hit);
    const cost = source.length + rendered.length;
    if (cost <= this.maxChars / 4) {
      this.entries.set(key, { source, rendered });
      this.size += cost;
      for (const [k, v] of this.entries) {
        if (this.entries.size <= this.maxEntries && this.size <= this.maxChars) break;
        this.drop(k, v);
      }
    }
    return rendered;
  }

  private drop(key: string, entry: { readonly source: string; readonly rendered: string }): void {
    this.entries.delete(key);
    this.size -= entry.source.length + entry.rendered.length;
  }
}
