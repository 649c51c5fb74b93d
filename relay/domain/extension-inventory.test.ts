import { describe, expect, it } from 'vitest';
import type { ExtensionFacts } from '../../shared/report';
import {
  alertsFor,
  CHANGE_ALERTS_PER_DEVICE_DAY,
  changeLevel,
  extensionsDigest,
  inventoryStep,
  remediation,
  spendChangeAlert,
  spreads,
  versionOf,
  type DeviceExtension,
  type ExtensionVersion,
} from './extension-inventory';

const STORE = 'https://clients2.google.com/service/update2/crx';
const ext = (o: Partial<ExtensionFacts> = {}): ExtensionFacts => ({
  id: 'aaaabbbbccccddddeeeeffffgggghhhh',
  name: 'Notes',
  version: '1',
  enabled: true,
  installType: 'admin',
  permissions: ['storage'],
  hostPermissions: [],
  updateUrl: STORE,
  ...o,
});
const policy = { allowlist: [] as string[], threshold: 'high' as const };

/** The device's inventory after a first report of `before`, then what a report of `after` does to it. */
function step(before: ExtensionFacts[], after: ExtensionFacts[]) {
  const first = inventoryStep({ deviceId: 'dev-1', extensions: before, previous: new Map(), known: new Map(), now: 1 });
  const previous = new Map<string, DeviceExtension>(first.links.map((l) => [l.extension_id, l]));
  const known = new Map<string, ExtensionVersion>(first.versions.map((v) => [v.version_key, v]));
  return inventoryStep({ deviceId: 'dev-1', extensions: after, previous, known, now: 2 });
}

describe('the extension inventory', () => {
  it('keys a version by what it may do, not by its name; the digest follows the same', () => {
    expect(versionOf(ext(), 0).version_key).toBe(versionOf(ext({ name: 'Google Docs Offline' }), 0).version_key);
    expect(versionOf(ext(), 0).version_key).not.toBe(versionOf(ext({ permissions: ['storage', 'cookies'] }), 0).version_key);
    expect(versionOf(ext(), 0).version_key).toBe(versionOf(ext({ permissions: ['storage', 'storage'] }), 0).version_key);
    expect(extensionsDigest([ext()])).toBe(extensionsDigest([ext({ name: 'renamed' })]));
    expect(extensionsDigest([ext()])).not.toBe(extensionsDigest([ext({ enabled: false })]));
  });

  it("sees an update's added and removed permissions, hosts and update URL against the device's own previous version", () => {
    const s = step([ext()], [ext({ version: '2', permissions: ['storage', 'cookies', 'scripting'], hostPermissions: ['<all_urls>'] })]);
    expect(s.changes).toEqual([
      expect.objectContaining({
        from: expect.objectContaining({ version: '1' }),
        to: expect.objectContaining({ version: '2' }),
        added: ['cookies', 'scripting', '<all_urls>'],
        removed: [],
        leftStore: false,
        installType: 'admin',
      }),
    ]);
    expect(changeLevel(s.changes[0]!)).toBe('high');
    expect(step([ext({ permissions: ['storage', 'tabs'] })], [ext({ version: '2' })]).changes[0]).toMatchObject({ added: [], removed: ['tabs'] });
    expect(changeLevel(step([ext({ permissions: ['storage', 'tabs'] })], [ext({ version: '2' })]).changes[0]!)).toBe('low');
  });

  it('holds an update URL that leaves the store as very high on its own, whatever the permissions', () => {
    const [change] = step([ext()], [ext({ version: '2', updateUrl: 'https://updates.evil.example/crx' })]).changes;
    expect(change).toMatchObject({ added: [], leftStore: true, updateUrl: { from: STORE, to: 'https://updates.evil.example/crx' } });
    expect(changeLevel(change!)).toBe('very_high');
  });

  it('takes a first inventory, a new install, a version bump that asks nothing more, and a removal as no change', () => {
    expect(inventoryStep({ deviceId: 'd', extensions: [ext()], previous: null, known: new Map(), now: 1 })).toMatchObject({
      changes: [],
      links: [{ installed_at: null }],
    });
    const installed = step([], [ext()]);
    expect(installed.changes).toEqual([]);
    expect(installed.links[0]!.installed_at).toBe(2);
    expect(step([ext()], [ext({ version: '1.0.1' })]).changes).toEqual([]);
    expect(step([ext()], [])).toMatchObject({ removed: ['aaaabbbbccccddddeeeeffffgggghhhh'], changes: [] });
    expect(step([ext()], [ext()])).toMatchObject({ links: [], versions: [], changes: [] });
  });

  it("says when Chromium disabled the update for asking more, and keeps a report's first listing of an id", () => {
    const s = step(
      [ext({ installType: 'normal' })],
      [ext({ version: '2', installType: 'normal', enabled: false, disabledReason: 'permissions_increase', permissions: ['cookies'] }), ext({ version: '9' })],
    );
    expect(s.changes).toHaveLength(1);
    expect(s.changes[0]).toMatchObject({ disabledByBrowser: true, to: { version: '2' } });
  });

  it('is silenced by the allowlist: the extension, that version, or permission entries covering all it added; and by the threshold', () => {
    const [change] = step([ext()], [ext({ version: '2', permissions: ['storage', 'cookies'] })]).changes;
    expect(alertsFor(change!, policy)).toBe(true);
    expect(alertsFor(change!, { ...policy, allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh'] })).toBe(false);
    expect(alertsFor(change!, { ...policy, allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh=2'] })).toBe(false);
    expect(alertsFor(change!, { ...policy, allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh=3'] })).toBe(true);
    expect(alertsFor(change!, { ...policy, allowlist: ['permission:cookies'] })).toBe(false);
    expect(alertsFor(change!, { ...policy, threshold: 'very_high' })).toBe(false);
  });

  it('writes the policy that blocks the extension, or only what it added (hosts as runtime_blocked_hosts)', () => {
    const fix = remediation({ extensionId: 'aaaabbbbccccddddeeeeffffgggghhhh', added: ['cookies', '<all_urls>', 'https://*.bank.example/*'] });
    expect(JSON.parse(fix.blockExtension)).toEqual({ ExtensionSettings: { aaaabbbbccccddddeeeeffffgggghhhh: { installation_mode: 'blocked' } } });
    expect(JSON.parse(fix.blockAdded!)).toEqual({
      ExtensionSettings: { aaaabbbbccccddddeeeeffffgggghhhh: { blocked_permissions: ['cookies'], runtime_blocked_hosts: ['*://*', 'https://*.bank.example'] } },
    });
  });

  it('lets one device start a bounded few change alerts a day', () => {
    let budget = null;
    for (let i = 0; i < CHANGE_ALERTS_PER_DEVICE_DAY; i++) budget = spendChangeAlert(budget, 1_000);
    expect(budget).toEqual({ day: 0, n: CHANGE_ALERTS_PER_DEVICE_DAY });
    expect(spendChangeAlert(budget, 2_000)).toBeNull();
    expect(spendChangeAlert(budget, 86_400_000)).toEqual({ day: 1, n: 1 });
  });

  it('calls an extension spreading from five installs and one in a hundred of the fleet', () => {
    expect(spreads(4, 10)).toBe(false);
    expect(spreads(5, 10)).toBe(true);
    expect(spreads(9, 1_000)).toBe(false);
    expect(spreads(10, 1_000)).toBe(true);
  });
});
