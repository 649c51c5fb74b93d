import { majorOf } from '../../shared/checks/browser-version';

/**
 * The newest major version of each browser that a real part of the fleet runs, for the fleet-relative version check.
 * A major counts only once it runs on a quorum of that browser's devices (at least MIN_DEVICES, and SHARE of them), so
 * no single report, nor a handful of invented devices, can make every real browser look outdated. Counts follow each
 * device's latest report, so nothing sticks: a device that updates, or leaves, moves its count.
 */
export const MIN_DEVICES = 3;
export const SHARE = 0.05;

export class FleetVersions {
  readonly #counts = new Map<string, Map<number, number>>();

  /** A device now runs `version` of `browser` (and no longer what it ran before, if given). */
  move(previous: { browser: string; version: string } | undefined, next: { browser: string; version: string }): void {
    if (previous) this.#add(previous.browser, majorOf(previous.version), -1);
    this.#add(next.browser, majorOf(next.version), 1);
  }

  /** The newest major with a quorum of `browser`'s devices; undefined while none has one. */
  newest(browser: string): number | undefined {
    const majors = this.#counts.get(browser);
    if (!majors) return undefined;
    let total = 0;
    for (const n of majors.values()) total += n;
    const quorum = Math.max(MIN_DEVICES, Math.ceil(total * SHARE));
    let newest: number | undefined;
    for (const [major, n] of majors) if (n >= quorum && (newest === undefined || major > newest)) newest = major;
    return newest;
  }

  clear(): void {
    this.#counts.clear();
  }

  #add(browser: string, major: number, delta: number): void {
    const majors = this.#counts.get(browser) ?? new Map<number, number>();
    const n = (majors.get(major) ?? 0) + delta;
    if (n > 0) majors.set(major, n);
    else majors.delete(major);
    if (majors.size > 0) this.#counts.set(browser, majors);
    else this.#counts.delete(browser);
  }
}
