/**
 * Tells the first event of an episode from the rest: the first ever, or the first after `quietMs` without one. What
 * repeats thousands of times a minute while a bound bites is audited and logged once per episode, and counted always.
 */
export class Episodes {
  #last = Number.NEGATIVE_INFINITY;
  constructor(readonly quietMs: number) {}

  begins(now: number): boolean {
    const begins = now - this.#last >= this.quietMs;
    this.#last = now;
    return begins;
  }
}
