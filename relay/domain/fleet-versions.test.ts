import { describe, expect, it } from 'vitest';
import { FleetVersions, HISTORY_MS, versionsEntry } from './fleet-versions';

const chrome = (version: string) => ({ browser: 'Chrome', version });

describe('FleetVersions', () => {
  it('takes a major as the newest only once a quorum of devices runs it', () => {
    const fleet = new FleetVersions();
    for (let i = 0; i < 40; i++) fleet.move(undefined, chrome('131.0.6778.85'));
    // Regression: one report of Chrome 99999 made every real Chrome "99868 versions behind".
    fleet.move(undefined, chrome('999.0'));
    expect(fleet.newest('Chrome')).toBe(131);
    fleet.move(undefined, chrome('132.0.1'));
    fleet.move(undefined, chrome('132.0.1'));
    expect(fleet.newest('Chrome')).toBe(131); // 2 of 43: neither 3 devices nor 5 %
    fleet.move(undefined, chrome('132.0.2'));
    expect(fleet.newest('Chrome')).toBe(132);
  });

  it('follows devices as they update, so nothing sticks', () => {
    const fleet = new FleetVersions();
    for (let i = 0; i < 3; i++) fleet.move(undefined, chrome('132.0'));
    expect(fleet.newest('Chrome')).toBe(132);
    fleet.move(chrome('132.0'), chrome('131.0'));
    expect(fleet.newest('Chrome')).toBeUndefined();
    expect(fleet.newest('constructor')).toBeUndefined();
  });

  it('counts only devices that have reported for a day: a thousand invented today vote nothing', () => {
    const fleet = new FleetVersions();
    const now = 10 * HISTORY_MS;
    for (let i = 0; i < 40; i++) fleet.move(undefined, versionsEntry({ ...chrome('131.0'), first_seen_at: now - 30 * HISTORY_MS, last_seen_at: now }));
    for (let i = 0; i < 1_000; i++) fleet.move(undefined, versionsEntry({ ...chrome('134.0'), first_seen_at: now - HISTORY_MS + 1, last_seen_at: now }));
    expect(fleet.newest('Chrome')).toBe(131);
    // A day later, still reporting: the admin has had a day to see a thousand new browsers, and they count.
    for (let i = 0; i < 1_000; i++) fleet.move(undefined, versionsEntry({ ...chrome('134.0'), first_seen_at: now - HISTORY_MS, last_seen_at: now }));
    expect(fleet.newest('Chrome')).toBe(134);
  });
});
