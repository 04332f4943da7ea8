import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';

/** Small named values the service keeps about itself (the encryption key's fingerprint). */
export interface ServiceMetaStore {
  get(key: string): TE.TaskEither<AppError, string | undefined>;
  set(key: string, value: string, now: Date): TE.TaskEither<AppError, void>;
}
