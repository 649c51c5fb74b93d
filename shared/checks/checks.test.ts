import { describe, expect, it } from 'vitest';
import { extension, report } from '../../test/fixtures/reports';
import { DEFAULT_POLICY, type AlertPolicy } from '../alert-policy';
import { blocklistedExtension } from './blocklisted-extension';
import { browserVersion, compareVersions } from './browser-version';
import { evaluate, levelOf, withPolicy } from './index';
import { riskyPermissionsCheck } from './risky-permissions';
import { safeBrowsing } from './safe-browsing';
import type { Finding } from './types';
import { unmanagedInstall } from './unmanaged-install';

const ctx = (policy: Partial<AlertPolicy> = {}, newestMajors: Record<string, number> = {}) =>
  withPolicy({ ...DEFAULT_POLICY, ...policy }, new Map(Object.entries(newestMajors)), 'selfselfselfselfselfselfselfself');

describe('browser-version', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('131.0.10.0', '131.0.9.9')).toBe(1);
    expect(compareVersions('131', '131.0.0.0')).toBe(0);
  });

  it('flags a browser older than the minimum, in both languages', () => {
    const [f] = browserVersion.run(report(), ctx({ minimumVersions: { Chrome: '131.0.6778.86' } }));
    expect(f).toMatchObject({ severity: 'high', title: { en: 'Chrome 131.0.6778.85 is older than the required 131.0.6778.86' } });
    expect(f!.remediation.es).toContain('Actualice Chrome');
    expect(browserVersion.run(report(), ctx({ minimumVersions: { Chrome: '131.0.6778.85', Edge: '200' } }))).toEqual([]);
  });

  it('flags a browser more majors behind the fleet\'s newest than allowed, with no internet needed', () => {
    expect(browserVersion.run(report(), ctx({ maxMajorsBehind: 2 }, { Chrome: 133 }))).toEqual([]);
    expect(browserVersion.run(report(), ctx({ maxMajorsBehind: 2 }, { Chrome: 134 }))[0]?.title.en).toContain('3 major versions behind');
  });
});

describe('blocklisted-extension', () => {
  it('flags a blocklisted extension as critical, even disabled', () => {
    const r = report({ extensions: [extension({ id: 'badbadbadbadbadbadbadbadbadbadba', name: 'Coupon Helper', enabled: false })] });
    expect(blocklistedExtension.run(r, ctx({ blocklist: ['badbadbadbadbadbadbadbadbadbadba'] }))).toMatchObject([{ severity: 'critical', subject: 'Coupon Helper' }]);
    expect(blocklistedExtension.run(r, ctx())).toEqual([]);
  });
});

describe('risky-permissions', () => {
  it.each([
    [{ permissions: ['debugger'] }, 'debugger'],
    [{ permissions: ['nativeMessaging', 'proxy'] }, 'nativeMessaging, proxy'],
    [{ permissions: ['webRequest', 'cookies'], hostPermissions: ['<all_urls>'] }, 'webRequest, cookies'],
    [{ permissions: ['management'] }, 'management'],
  ])('flags %j', (facts, list) => {
    expect(riskyPermissionsCheck.run(report({ extensions: [extension(facts)] }), ctx())[0]?.title.en).toBe(`Some Extension has high-risk permissions: ${list}`);
  });

  it('leaves alone webRequest on a few sites, disabled or allowlisted extensions, and itself', () => {
    const runOn = (e: Parameters<typeof extension>[0], policy = {}) => riskyPermissionsCheck.run(report({ extensions: [extension(e)] }), ctx(policy));
    expect(runOn({ permissions: ['webRequest'], hostPermissions: ['https://intranet.example.com/*'] })).toEqual([]);
    expect(runOn({ permissions: ['debugger'], enabled: false })).toEqual([]);
    expect(runOn({ permissions: ['debugger'] }, { allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh'] })).toEqual([]);
    expect(runOn({ permissions: ['management'], id: 'selfselfselfselfselfselfselfself' })).toEqual([]);
  });
});

describe('unmanaged-install', () => {
  it('flags developer-mode and sideloaded extensions as medium', () => {
    const r = report({ extensions: [extension({ installType: 'development', name: 'Unpacked' }), extension({ installType: 'sideload', name: 'Bundled' }), extension({ installType: 'admin' })] });
    expect(unmanagedInstall.run(r, ctx()).map((f: Finding) => [f.subject, f.severity])).toEqual([['Unpacked', 'medium'], ['Bundled', 'medium']]);
  });
});

describe('safe-browsing', () => {
  it('flags Safe Browsing off, naming the policy when one locked it', () => {
    const off = (locked: boolean) => report({ settings: [{ name: 'services.safeBrowsingEnabled', value: false, locked }] });
    expect(safeBrowsing.run(off(false), ctx())[0]).toMatchObject({ severity: 'high', title: { en: 'Safe Browsing is off' } });
    expect(safeBrowsing.run(off(true), ctx())[0]?.remediation.en).toContain('a policy turned it off');
    expect(safeBrowsing.run(report(), ctx())).toEqual([]);
  });
});

describe('levels and verdict', () => {
  const f = (severity: Finding['severity']): Finding => ({ check: 'x', severity, subject: '', title: { en: '', es: '' }, remediation: { en: '', es: '' } });
  it('follows the product page\'s scale', () => {
    expect(levelOf([])).toBe('secure');
    expect(levelOf([f('medium'), f('low')])).toBe('low');
    expect(levelOf([f('high')])).toBe('high');
    expect(levelOf([f('high'), f('high'), f('high')])).toBe('very_high');
    expect(levelOf([f('critical')])).toBe('very_high');
  });

  it('is non-compliant from the policy\'s threshold on', () => {
    const risky = report({ extensions: [extension({ permissions: ['debugger'] })] });
    expect(evaluate(risky, ctx())).toMatchObject({ level: 'high', compliant: false });
    expect(evaluate(risky, ctx({ threshold: 'very_high' }))).toMatchObject({ level: 'high', compliant: true });
    expect(evaluate(report(), ctx({ threshold: 'low' }))).toMatchObject({ level: 'secure', compliant: true });
  });
});
