import { describe, expect, it } from 'vitest';
import { FleetVersions, HISTORY_MS, VersionMoves, versionsEntry } from './fleet-versions';

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

describe('VersionMoves', () => {
  it("sums a group's moves per version, drops those that cancel out, and orders them the same on every relay", () => {
    const moves = new VersionMoves();
    moves.move(undefined, chrome('132.0'));
    moves.move(chrome('131.0'), chrome('132.0'));
    moves.move({ browser: 'Edge', version: '131.0' }, { browser: 'Edge', version: '131.0' });
    moves.move(undefined, { browser: 'Brave', version: '1.7' });
    expect(moves.counts()).toEqual([
      { browser: 'Brave', version: '1.7', devices: 1 },
      { browser: 'Chrome', version: '131.0', devices: -1 },
      { browser: 'Chrome', version: '132.0', devices: 2 },
    ]);
  });

  it('gives counts that FleetVersions reads back as the same fleet', () => {
    const moves = new VersionMoves();
    const direct = new FleetVersions();
    for (let i = 0; i < 4; i++) {
      moves.move(undefined, chrome('132.0.1'));
      direct.move(undefined, chrome('132.0.1'));
    }
    const read = new FleetVersions();
    for (const c of moves.counts()) read.count(c);
    expect(read.newest('Chrome')).toBe(direct.newest('Chrome'));
    expect(read.newest('Chrome')).toBe(132);
  });
});
