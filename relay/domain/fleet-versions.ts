import { majorOf } from '../../shared/checks/browser-version';

/**
 * The newest major version of each browser that a real part of the fleet runs, for the fleet-relative version check
 * (used only where no vendor release data covers the browser). A major counts only once it runs on a quorum of that
 * browser's devices with history (at least MIN_DEVICES, and SHARE of them; versionsEntry), so no single report, nor
 * invented devices, can make every real browser look outdated. Counts follow each
 * device's latest report, so nothing sticks: a device that updates, or leaves, moves its count.
 */
export const MIN_DEVICES = 3;
export const SHARE = 0.05;

/**
 * How long a device must have been reporting before its version counts. Anyone with the enrollment token can invent
 * devices (about 27 a second pass admission): 1,000 of them on Chrome 134 made a current Chrome 131 "high" for every
 * browser. Counting only devices with a day of history means an invented majority has to be kept reporting for a day,
 * in plain view of the admin's device list, before it can vote.
 */
export const HISTORY_MS = 24 * 3_600_000;

/** A device as the fleet's versions count it: undefined while it has not reported for HISTORY_MS. */
export function versionsEntry(device: {
  browser: string;
  version: string;
  first_seen_at: number;
  last_seen_at: number;
}): { browser: string; version: string } | undefined {
  return device.last_seen_at - device.first_seen_at >= HISTORY_MS ? { browser: device.browser, version: device.version } : undefined;
}

type Entry = { browser: string; version: string };

/** How many devices with history run a browser's version (or, as a move, how many more or fewer). */
export interface VersionCount extends Entry {
  devices: number;
}

export class FleetVersions {
  readonly #counts = new Map<string, Map<number, number>>();

  /** A device now runs `version` of `browser` (and no longer what it ran before, if given); undefined counts nothing. */
  move(previous: Entry | undefined, next: Entry | undefined): void {
    if (previous) this.#add(previous.browser, majorOf(previous.version), -1);
    if (next) this.#add(next.browser, majorOf(next.version), 1);
  }

  /** Counts `devices` more (or fewer) devices on a version: the store's table read back. */
  count({ browser, version, devices }: VersionCount): void {
    this.#add(browser, majorOf(version), devices);
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

/**
 * The moves a group of reports made, summed per browser and version: what the store adds to its table of counts in
 * the same transaction, so that the count is never counted again from the devices (relays sharing a store read it).
 */
export class VersionMoves {
  readonly #deltas = new Map<string, VersionCount>();

  move(previous: Entry | undefined, next: Entry | undefined): void {
    if (previous) this.#add(previous, -1);
    if (next) this.#add(next, 1);
  }

  /** The moves that did not cancel out, in browser then version order: the order every relay updates the counts in. */
  counts(): VersionCount[] {
    return [...this.#deltas.values()]
      .filter((c) => c.devices !== 0)
      .sort((a, b) => (a.browser === b.browser ? cmp(a.version, b.version) : cmp(a.browser, b.browser)));
  }

  #add({ browser, version }: Entry, delta: number): void {
    const key = JSON.stringify([browser, version]);
    const count = this.#deltas.get(key) ?? { browser, version, devices: 0 };
    count.devices += delta;
    this.#deltas.set(key, count);
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
