import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { OAuthNonceStore } from '../../application/ports/oauth-nonce-store.js';
import type { ServiceMetaStore } from '../../application/ports/service-meta-store.js';

export class InMemoryOAuthNonceStore implements OAuthNonceStore {
  private readonly used = new Map<string, number>();

  consume(nonce: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      for (const [n, exp] of this.used) if (exp < now.getTime()) this.used.delete(n);
      if (this.used.has(nonce)) return false;
      this.used.set(nonce, expiresAt.getTime());
      return true;
    });
  }
}

export class InMemoryServiceMetaStore implements ServiceMetaStore {
  private readonly values = new Map<string, string>();

  get(key: string): TE.TaskEither<AppError, string | undefined> {
    return TE.right(this.values.get(key));
  }

  set(key: string, value: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      this.values.set(key, value);
    });
  }
}
