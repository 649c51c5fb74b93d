/**
 * Lets through at most one event per key per window, in bounded memory, however many come: what a flood of refusals
 * for one device writes to the store and the audit log, or a flood of anything writes to the log. Unlike Episodes, a
 * window is not extended by the events it turns away, so a steady flood is still written down once per window. Keys
 * past MAX_KEYS are forgotten oldest first once their window has passed; while MAX_KEYS keys are inside their window
 * (a flood of distinct invented ids), new keys are turned away until room frees up.
 */
export class OncePerWindow {
  static readonly MAX_KEYS = 10_000;
  readonly #last = new Map<string, number>();
  constructor(readonly windowMs: number) {}

  admits(key: string, now: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    if (last === undefined && this.#last.size >= OncePerWindow.MAX_KEYS) {
      // Insertion order is age order: the oldest entries are first.
      for (const [k, at] of this.#last) {
        if (now - at < this.windowMs) break;
        this.#last.delete(k);
      }
      if (this.#last.size >= OncePerWindow.MAX_KEYS) return false;
    }
    this.#last.delete(key);
    this.#last.set(key, now);
    return true;
  }
}
