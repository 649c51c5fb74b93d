import { describe, expect, it } from 'vitest';
import { containsPattern, decodeCursor, deviceExtensions, encodeCursor, findingRules, levelsFrom, wordsPattern, type Position } from './device-page';

describe('cursors', () => {
  it.each<Position>([
    { sort: 'risk', level: 'high', seen: 1_765_000_000_000, id: 'device-0001~thumb' },
    { sort: 'lastSeen', seen: 0, id: 'device-0002' },
    { sort: 'name', name: 'équipe ñandú ☃', id: 'device-0003' },
  ])('answers the position it was made from (%o)', (position) => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[\w-]+$/);
    expect(decodeCursor(cursor, position.sort)).toEqual(position);
  });

  it('is null for another order, broken text, or a position that is none', () => {
    const cursor = encodeCursor({ sort: 'lastSeen', seen: 5, id: 'device-0002' });
    expect(decodeCursor(cursor, 'name')).toBeNull();
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      'not a cursor!',
      forged({ sort: 'lastSeen' }),
      forged(['lastSeen', 1.5, 'device']),
      forged(['lastSeen', 1, '']),
      forged(['lastSeen', 1, 'd', 'extra']),
      forged(['risk', 'worst', 1, 'device']),
      forged(['risk', 'high', 1, 'x'.repeat(201)]),
      Buffer.from([0xff, 0xfe]).toString('base64url'),
      'a'.repeat(2_001),
    ])
      expect(decodeCursor(bad, bad.startsWith(forged(['risk']).slice(0, 4)) ? 'risk' : 'lastSeen')).toBeNull();
  });
});

describe('search patterns', () => {
  it("takes the searched text's own wildcards literally", () => {
    expect(containsPattern('50%_OFF\\')).toBe('%50\\%\\_off\\\\%');
    expect(wordsPattern('win_')).toBe('win\\_ %');
  });
});

describe('levelsFrom', () => {
  it('walks the levels asked for, worst first, from the level the last page ended in', () => {
    expect(levelsFrom(undefined, null)).toEqual(['very_high', 'high', 'low', 'secure']);
    expect(levelsFrom(['secure', 'very_high'], null)).toEqual(['very_high', 'secure']);
    expect(levelsFrom(undefined, { sort: 'risk', level: 'low', seen: 1, id: 'd' })).toEqual(['low', 'secure']);
  });
});

describe('findingRules', () => {
  it("names the rules of the device's own browser only", () => {
    const findings = [{ check: 'safe-browsing' }, { check: 'password-saving' }, { check: 'risky-permissions' }];
    expect(findingRules(findings, 'Chrome')['safe-browsing']!.map((r) => `${r.benchmark} ${r.id}`)).toEqual(['stig-chrome DTBC-0038', 'cis-chrome 1.2.2']);
    // Edge has its own STIG; CIS's benchmark is Chrome's.
    expect(findingRules(findings, 'Edge')).toEqual({ 'password-saving': [expect.objectContaining({ benchmark: 'stig-edge', id: 'EDGE-00-000043' })] });
    expect(findingRules(findings, 'Firefox')).toEqual({});
  });
});

describe('deviceExtensions', () => {
  it("scores each extension as the device reports it, riskiest first, with the policy's allowed permissions scoring nothing", () => {
    const row = (id: string, permissions: string[]) => ({
      device_id: 'd',
      extension_id: id,
      version_key: `${id}-1`,
      install_type: 'normal' as const,
      enabled: 1,
      disabled_reason: null,
      since: 0,
      installed_at: null,
      name: id,
      version: '1.0',
      permissions: JSON.stringify(permissions),
      host_permissions: '[]',
      update_url: null,
    });
    const rows = [row('calm', []), row('debugger', ['debugger'])];
    expect(deviceExtensions(rows, { allowlist: [] }).map((e) => [e.id, e.risk.score > 0])).toEqual([
      ['debugger', true],
      ['calm', false],
    ]);
    expect(deviceExtensions(rows, { allowlist: ['permission:debugger'] }).map((e) => e.risk.score)).toEqual([0, 0]);
  });
});
