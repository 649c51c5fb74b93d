import { describe, expect, it } from 'vitest';
import { FleetVersions } from './fleet-versions';

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
});
