import { describe, expect, it } from 'vitest';
import { OncePerWindow } from './once-per-window';

describe('OncePerWindow', () => {
  it('lets one event per key through per window', () => {
    const gate = new OncePerWindow(60_000);
    expect(gate.admits('a', 0)).toBe(true);
    expect(gate.admits('a', 59_999)).toBe(false);
    expect(gate.admits('b', 59_999)).toBe(true);
    expect(gate.admits('a', 60_000)).toBe(true);
  });

  it('stays bounded under a flood of distinct keys, and makes room as their windows pass', () => {
    const gate = new OncePerWindow(60_000);
    for (let i = 0; i < OncePerWindow.MAX_KEYS; i++) expect(gate.admits(`id-${i}`, 1_000)).toBe(true);
    expect(gate.admits('one-more', 2_000)).toBe(false);
    expect(gate.admits('id-0', 2_000)).toBe(false);
    expect(gate.admits('one-more', 61_000)).toBe(true);
  });
});
