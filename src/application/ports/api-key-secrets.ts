/** Making and recognising API keys: randomness and hashing live in an adapter (src/adapters/crypto). */
export interface ApiKeySecrets {
  /** A new key (`ibk_` and at least 256 bits of randomness) and a new public id for it. */
  generate(): { readonly key: string; readonly id: string };
  /** Whether the text has the shape of a key this service issues (checked before any lookup). */
  looksLikeKey(text: string): boolean;
  /** The hash stored and looked up instead of the key (hex). */
  hash(key: string): string;
  /** Constant-time equality of two hashes. */
  same(a: string, b: string): boolean;
}
