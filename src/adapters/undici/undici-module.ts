/**
 * undici, loaded when the first call goes out rather than when the service starts: its
 * 0.75 MB of code (and Node's own copy of it, which it touches while loading) took about 40
 * of the 285 ms from process start to the first `/healthz` answer (docs/performance.md).
 * The first call waits for it once; a process that never calls out (a CLI command, an
 * embedder's tests) never loads it.
 */
import type * as Undici from 'undici';

export type UndiciModule = typeof Undici;

let loaded: UndiciModule | undefined;
let loading: Promise<UndiciModule> | undefined;

/** undici, loaded on the first call; a promise only until then. */
export const undici = (): UndiciModule | Promise<UndiciModule> =>
  loaded ??
  (loading ??= import('undici').then(
    // Node gives a CommonJS package's exports by name; the bundle's chunk of it (esbuild)
    // gives them only as `default`.
    (m) => (loaded = typeof m.Agent === 'function' ? m : (m as unknown as { default: UndiciModule }).default),
    (err: unknown) => {
      // A failed load (a broken install) is retried by the next call rather than kept.
      loading = undefined;
      throw err;
    },
  ));

/** The agents, and the undici they were made with. */
export interface Made<K extends string> {
  readonly agents: Readonly<Record<K, Undici.Agent>>;
  readonly undici: UndiciModule;
}

/**
 * Agents made on first use with the loaded undici, and destroyed only if they were made.
 * `get` answers them at once after the first call; before it, a promise.
 */
export class LazyAgents<K extends string> {
  private made: Made<K> | undefined;
  private making: Promise<Made<K>> | undefined;
  /** Destroyed: no agents are made after it, as none would be closed. */
  private destroyed = false;

  constructor(private readonly make: (u: UndiciModule) => Readonly<Record<K, Undici.Agent>>) {}

  get(): Made<K> | Promise<Made<K>> {
    if (this.made) return this.made;
    if (this.destroyed) return Promise.reject(new Error('the HTTP client is closed'));
    this.making ??= (async () => {
      const u = await undici();
      return (this.made ??= { agents: this.make(u), undici: u });
    })().catch((err: unknown) => {
      this.making = undefined;
      throw err;
    });
    return this.making;
  }

  /** Destroys the agents if any were made (waiting for one being made). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const made = this.made ?? (this.making ? await this.making.catch(() => undefined) : undefined);
    if (made) await Promise.all(Object.values<Undici.Agent>(made.agents).map((a) => a.destroy()));
  }
}
