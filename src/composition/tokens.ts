/**
 * Typed tokens over tsyringe. tsyringe's own tokens are bare symbols, so
 * `resolve(TOKENS.X)` took its type from the call site. A `Token<T>` carries `T`: resolving
 * it gives a `T`, and registering a factory that makes anything else does not compile.
 */
import type { DependencyContainer } from 'tsyringe';
import { instanceCachingFactory } from 'tsyringe';

declare const carried: unique symbol;

export interface Token<T> {
  readonly key: symbol;
  /** Never set: makes `Token<T>` invariant in `T`, so a `Token<Cipher>` is no `Token<Logger>`. */
  readonly [carried]?: (value: T) => T;
}

export const token = <T>(name: string): Token<T> => ({ key: Symbol(name) });

/** What a factory reads its dependencies from. */
export interface Resolver {
  get<T>(token: Token<T>): T;
}

const resolverOf = (c: DependencyContainer): Resolver => ({ get: (t) => c.resolve(t.key) });

/** Registers `make` as the one (lazily built, then cached) implementation of `token` in `c`. */
export function provide<T>(c: DependencyContainer, tk: Token<T>, make: (r: Resolver) => T): void {
  c.register<T>(tk.key, { useFactory: instanceCachingFactory<T>((d) => make(resolverOf(d))) });
}

export function resolve<T>(c: DependencyContainer, tk: Token<T>): T {
  return resolverOf(c).get(tk);
}

export type TokensOf<R> = { readonly [K in keyof R]: Token<R[K]> };

/** Resolves a record of tokens into the record of their values, typed key by key. */
export function resolveAll<R>(c: DependencyContainer, tokens: TokensOf<R>): R {
  const r = resolverOf(c);
  return Object.fromEntries(Object.entries(tokens).map(([k, t]) => [k, r.get(t as Token<unknown>)])) as R;
}
