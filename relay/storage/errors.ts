import { databaseUnavailable } from './postgres/errors';
import { sqliteFailure } from './sqlite/errors';

/**
 * What a storage failure means for the request that met it, whichever engine: a full disk, storage that fails, or a
 * PostgreSQL out of reach are the operator's to fix, answered 503 with nothing accepted; null for anything else.
 */
export function storageFailure(err: unknown): 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | 'DATABASE_UNAVAILABLE' | null {
  return databaseUnavailable(err) ? 'DATABASE_UNAVAILABLE' : sqliteFailure(err);
}
