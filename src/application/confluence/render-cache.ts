/**
 * The Markdown of page bodies read recently, so that reading an unchanged page again costs
 * no conversion: a 100 KB storage body takes tens of milliseconds to render, the lookup a
 * string comparison. An entry answers only for the very storage text it was made from
 * (compared whole), so a changed page, or another page that happens to share the key, is
 * simply a miss. Bounded by entries and by characters; the least recently used go first.
 *
 * Sources other than text (Jira's ADF documents) bring their own {@link SourcePolicy}: how
 * two are compared, and what an entry keeps of one and what it costs.
 */

/** How a cache compares and keeps sources of type `S`. */
export interface SourcePolicy<S> {
  /** Whether `kept` (what {@link SourcePolicy.keep} returned) is the very value `source`. */
  readonly same: (kept: S, source: S) => boolean;
  /** What an entry holds of `source` and what it counts against the budget; undefined: not kept. */
  readonly keep: (source: S, rendered: string) => { readonly kept: S; readonly cost: number } | undefined;
}

/** Text compared whole and kept as it is, counted in characters. */
const TEXT: SourcePolicy<string> = {
  same: (kept, source) => kept === source,
  keep: (source, rendered) => ({ kept: source, cost: source.length + rendered.length }),
};

interface Entry<S> {
  readonly source: S;
  readonly rendered: string;
  readonly cost: number;
}

export class RenderCache<S = string> {
  private readonly entries = new Map<string, Entry<S>>();
  private size = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxCost = 32 * 1024 * 1024,
    private readonly policy: SourcePolicy<S> = TEXT as unknown as SourcePolicy<S>,
  ) {}

  /** `render(source)`, from the cache when `key` last rendered exactly this source. */
  get(key: string, source: S, render: (source: S) => string): string {
    const hit = this.entries.get(key);
    if (hit && this.policy.same(hit.source, source)) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.rendered;
    }
    const rendered = render(source);
    if (hit) this.drop(key, hit);
    const entry = this.policy.keep(source, rendered);
    if (entry && entry.cost <= this.maxCost / 4) {
      this.entries.set(key, { source: entry.kept, rendered, cost: entry.cost });
      this.size += entry.cost;
      for (const [k, v] of this.entries) {
        if (this.entries.size <= this.maxEntries && this.size <= this.maxCost) break;
        this.drop(k, v);
      }
    }
    return rendered;
  }

  private drop(key: string, entry: Entry<S>): void {
    this.entries.delete(key);
    this.size -= entry.cost;
  }
}
