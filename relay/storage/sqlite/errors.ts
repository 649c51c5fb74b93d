/**
 * A full disk and I/O failures, from SQLite or from syncing its log (wal-sync.ts): the operator's to fix, not a bug.
 */
export function sqliteFailure(err: unknown): 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'STORAGE_FULL';
  if (code.startsWith('SQLITE_IOERR') || ['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'EIO', 'EROFS'].includes(code)) return 'STORAGE_UNAVAILABLE';
  return null;
}
