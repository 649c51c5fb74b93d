import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Db } from './db';

/**
 * Makes transactions committed with synchronous = NORMAL durable without blocking the event loop. Such a commit is in
 * the write-ahead log but maybe only in the OS's cache; `sync()` resolves once an fdatasync of the log, started after
 * the call, has finished. It runs on libuv's thread pool, so the event loop keeps serving meanwhile instead of
 * waiting inside SQLite's own fsync.
 *
 * Safe because SQLite never removes or replaces the log while this connection is open: it only rewrites it from the
 * start after a checkpoint, and a checkpoint syncs the log and the database itself (synchronous = NORMAL still does).
 */
export class WalSync {
  readonly #path: string | null;
  #fd: number | null = null;

  constructor(db: Db) {
    this.#path = db.memory ? null : `${db.name}-wal`;
  }

  /** Resolves once everything committed before this call survives power loss. */
  sync(): Promise<void> {
    const path = this.#path;
    if (path === null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Opened at the first sync, after a commit, when the log is sure to exist. fsync acts on the file, whichever
      // descriptor asks.
      this.#fd ??= openSync(path, 'r');
      fdatasync(this.#fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
