/**
 * A token bucket per key: `burst` requests at once, refilled at `perHour`. Pure: the caller passes the time.
 * Buckets that are full again are forgotten, so memory follows the active keys, not every key ever seen.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #burst: number;
  readonly #perMs: number;
  #sweptAt = 0;

  constructor(burst: number, perHour: number) {
    this.#burst = burst;
    this.#perMs = perHour / 3_600_000;
  }

  /** Takes one token; answers 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs) : this.#burst;
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return Math.ceil((1 - tokens) / this.#perMs);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    // A sweep walks every bucket: at most once a refill period, so its cost is shared by every report in between.
    if (this.#buckets.size > 10_000 && now - this.#sweptAt >= 1 / this.#perMs) this.#sweep(now);
    return 0;
  }

  /** Gives back the token a request took when it then failed for the relay's own reason (its database away). */
  give(key: string): void {
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.#burst, bucket.tokens + 1);
  }

  /** Milliseconds until `key` may take a token again, taking none: 0 when it may now. */
  wait(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return 0;
    const tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.#perMs);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, b] of this.#buckets) if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
  }
}
