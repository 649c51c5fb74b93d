import { describe, expect, it } from 'vitest';
import { allowedBy, extensionRisk, isStoreUpdateUrl, policySnippet } from './extension-risk';

const facts = { permissions: [] as string[], hostPermissions: [] as string[], installType: 'normal' as const };

describe('extension risk', () => {
  it('adds up each reason, most first, and buckets the score as Chrome does', () => {
    const risk = extensionRisk({ ...facts, permissions: ['cookies', 'scripting', 'storage'], hostPermissions: ['<all_urls>'] });
    expect(risk.reasons.map((r) => [r.kind, r.points])).toEqual([
      ['all-sites', 25],
      ['permission', 15],
      ['permission', 15],
    ]);
    expect(risk).toMatchObject({ score: 55, level: 'HIGH' });
    expect(extensionRisk({ ...facts, permissions: ['tabs', 'history', 'downloads'] })).toMatchObject({ score: 20, level: 'MEDIUM' });
    expect(extensionRisk(facts)).toMatchObject({ score: 0, level: 'LOW', reasons: [] });
  });

  it('caps host patterns short of every site, and scores install type and an update URL off the stores', () => {
    const hosts = Array.from({ length: 9 }, (_, i) => `https://*.site${i}.example/*`);
    expect(extensionRisk({ ...facts, hostPermissions: hosts }).score).toBe(15);
    expect(extensionRisk({ ...facts, installType: 'sideload', updateUrl: 'https://x.example/u' })).toMatchObject({ score: 45 });
    expect(isStoreUpdateUrl('https://clients2.google.com/service/update2/crx')).toBe(true);
    expect(isStoreUpdateUrl('https://edge.microsoft.com/extensionwebstorebase/v1/crx')).toBe(true);
    expect(isStoreUpdateUrl('https://clients2.google.com.evil.example/service/update2/crx')).toBe(false);
  });

  it("adds the fleet's signs, and allowed permissions score nothing", () => {
    const now = Date.UTC(2026, 11, 7);
    const risk = extensionRisk({ ...facts, permissions: ['cookies'] }, new Set(), { devices: 1, changedAt: now - 3_600_000, added: ['cookies'], now });
    expect(risk.reasons.map((r) => r.kind)).toEqual(['permission', 'grew', 'changed-recently', 'one-device']);
    expect(risk.score).toBe(40);
    expect(extensionRisk({ ...facts, permissions: ['cookies'] }, allowedBy({ allowlist: ['permission:cookies'] }).permissions).score).toBe(0);
  });

  it('writes Chrome and Firefox ExtensionSettings', () => {
    expect(JSON.parse(policySnippet('x@example.org', 'extension'))).toEqual({ ExtensionSettings: { 'x@example.org': { installation_mode: 'blocked' } } });
  });
});
