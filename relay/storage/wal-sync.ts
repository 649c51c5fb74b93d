import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Db } from './db';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit that keeps serving while the disk syncs. A transaction committed with synchronous = NORMAL is in the
 * write-ahead log but only in the OS's cache; `durable()` resolves once an fdatasync of the log, started after that
 * commit, has finished. The fsync runs on libuv's thread pool, so the event loop keeps reading and committing the
 * next group meanwhile instead of sitting in SQLite's own fsync (which blocked it for a fifth of the ingest time).
 * Groups committed while a sync is in flight share the next one.
 *
 * Safe because SQLite never removes or replaces the log while this connection is open: it only rewrites it from the
 * start after a checkpoint, and a checkpoint syncs the log and the database itself (synchronous = NORMAL still does).
 */
export class WalSync {
  readonly #path: string | null;
  #fd: number | null = null;
  #syncing = false;
  #next: Waiter[] = [];

  constructor(db: Db) {
    this.#path = db.memory ? null : `${db.name}-wal`;
  }

  /** Resolves once everything committed before this call survives power loss. */
  durable(): Promise<void> {
    if (this.#path === null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#next.push({ resolve, reject });
      if (!this.#syncing) this.#sync();
    });
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #sync(): void {
    const group = this.#next;
    this.#next = [];
    this.#syncing = true;
    const done = (err: unknown) => {
      this.#syncing = false;
      for (const w of group) if (err) w.reject(err);
      else w.resolve();
      if (this.#next.length) this.#sync();
    };
    try {
      // Opened at the first commit, when the log is sure to exist. fsync acts on the file, whichever descriptor asks.
      this.#fd ??= openSync(this.#path!, 'r');
    } catch (err) {
      done(err);
      return;
    }
    fdatasync(this.#fd, done);
  }
}
