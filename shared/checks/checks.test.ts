import { describe, expect, it } from 'vitest';
import { extension, report } from '../../test/fixtures/reports';
import { DEFAULT_POLICY, type AlertPolicy } from '../alert-policy';
import { blocklistedExtension } from './blocklisted-extension';
import { browserVersion, compareVersions } from './browser-version';
import { evaluate, levelOf, withPolicy } from './index';
import { riskyPermissionsCheck } from './risky-permissions';
import { autofillAddresses } from './autofill-addresses';
import { networkPrediction } from './network-prediction';
import { passwordSaving } from './password-saving';
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

  it("flags a browser more majors behind the fleet's newest than allowed, with no internet needed", () => {
    expect(browserVersion.run(report(), ctx({ maxMajorsBehind: 2 }, { Chrome: 133 }))).toEqual([]);
    expect(browserVersion.run(report(), ctx({ maxMajorsBehind: 2 }, { Chrome: 134 }))[0]?.title.en).toContain('3 major versions behind');
  });
});

describe('blocklisted-extension', () => {
  it('flags a blocklisted extension as critical, even disabled', () => {
    const r = report({ extensions: [extension({ id: 'badbadbadbadbadbadbadbadbadbadba', name: 'Coupon Helper', enabled: false })] });
    expect(blocklistedExtension.run(r, ctx({ blocklist: ['badbadbadbadbadbadbadbadbadbadba'] }))).toMatchObject([
      { severity: 'critical', subject: 'Coupon Helper' },
    ]);
    expect(blocklistedExtension.run(r, ctx())).toEqual([]);
  });
});

describe('risky-permissions', () => {
  it.each([
    [{ permissions: ['debugger'] }, '40: debugger'],
    [{ permissions: ['nativeMessaging', 'proxy'] }, '80: nativeMessaging, proxy'],
    [{ permissions: ['webRequest', 'cookies'], hostPermissions: ['<all_urls>'] }, '55: <all_urls>, webRequest, cookies'],
    [{ permissions: ['management'] }, '40: management'],
    [
      { permissions: ['storage'], updateUrl: 'https://updates.example.net/crx', installType: 'sideload' as const },
      '45: https://updates.example.net/crx, sideload',
    ],
  ])('flags %j', (facts, list) => {
    expect(riskyPermissionsCheck.run(report({ extensions: [extension(facts)] }), ctx())[0]?.title.en).toBe(
      `“Some Extension” scores ${list}`.replace(': ', ' for risk: '),
    );
  });

  it("moves with the policy's threshold, and what the allowlist allows scores nothing", () => {
    const cookiesEverywhere = report({ extensions: [extension({ permissions: ['cookies'], hostPermissions: ['<all_urls>'] })] });
    expect(riskyPermissionsCheck.run(cookiesEverywhere, ctx())).toHaveLength(1);
    expect(riskyPermissionsCheck.run(cookiesEverywhere, ctx({ extensionRiskThreshold: 41 }))).toEqual([]);
    expect(riskyPermissionsCheck.run(cookiesEverywhere, ctx({ allowlist: ['permission:<all_urls>'] }))).toEqual([]);
    expect(riskyPermissionsCheck.run(cookiesEverywhere, ctx({ allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh=1.0'] }))).toEqual([]);
    expect(riskyPermissionsCheck.run(cookiesEverywhere, ctx({ allowlist: ['aaaabbbbccccddddeeeeffffgggghhhh=2.0'] }))).toHaveLength(1);
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
    const r = report({
      extensions: [
        extension({ installType: 'development', name: 'Unpacked' }),
        extension({ installType: 'sideload', name: 'Bundled' }),
        extension({ installType: 'admin' }),
      ],
    });
    expect(unmanagedInstall.run(r, ctx()).map((f: Finding) => [f.subject, f.severity])).toEqual([
      ['Unpacked', 'medium'],
      ['Bundled', 'medium'],
    ]);
  });
});

describe('safe-browsing', () => {
  it('flags Safe Browsing off whatever the baselines, naming the policy that enforces it', () => {
    const off = (locked: boolean) => report({ settings: [{ name: 'services.safeBrowsingEnabled', value: false, locked }] });
    expect(safeBrowsing.run(off(false), ctx())[0]).toMatchObject({ severity: 'high', title: { en: 'Safe Browsing is off' } });
    expect(safeBrowsing.run(off(true), ctx())[0]?.remediation.en).toBe(
      'A policy sets it this way: change the SafeBrowsingProtectionLevel policy to 1 (standard) or 2 (enhanced).',
    );
    expect(safeBrowsing.run(off(false), ctx())[0]?.remediation.es).toBe('Establezca la directiva SafeBrowsingProtectionLevel en 1 (estándar) o 2 (mejorada).');
    expect(safeBrowsing.run(off(false), ctx({ baselines: ['stig', 'cis-l1'] }))[0]?.title.en).toBe('Safe Browsing is off (DISA STIG DTBC-0038; CIS 1.2.2)');
    expect(safeBrowsing.run(report(), ctx())).toEqual([]);
  });
});

describe('browser settings against the baselines', () => {
  const setting = (name: string, value: boolean | string, locked = false, browser = 'Chrome') =>
    report({ browser: { name: browser, version: '131.0.6778.85' }, settings: [{ name, value, locked }] });
  const passwords = (value: boolean, locked = false, browser = 'Chrome') => setting('services.passwordSavingEnabled', value, locked, browser);
  const titles = (findings: Finding[]) => findings.map((f) => `${f.severity}: ${f.title.en}`);

  it('stays silent while the policy picks no baseline', () => {
    expect(passwordSaving.run(passwords(true), ctx())).toEqual([]);
    expect(evaluate(passwords(true), ctx())).toMatchObject({ level: 'secure', findings: [] });
  });

  it('names the STIG of the reporting browser, and no rule for a browser no STIG covers', () => {
    const stig = ctx({ baselines: ['stig'] });
    expect(titles(passwordSaving.run(passwords(true), stig))).toEqual(['medium: The browser offers to save passwords (DISA STIG DTBC-0011)']);
    expect(titles(passwordSaving.run(passwords(true, false, 'Chromium'), stig))).toEqual([
      'medium: The browser offers to save passwords (DISA STIG DTBC-0011)',
    ]);
    expect(titles(passwordSaving.run(passwords(true, false, 'Edge'), stig))).toEqual([
      'medium: The browser offers to save passwords (DISA STIG EDGE-00-000043)',
    ]);
    expect(passwordSaving.run(passwords(true, false, 'Firefox'), stig)).toEqual([]);
    expect(passwordSaving.run(passwords(true), stig)[0]?.remediation.en).toBe('Set the PasswordManagerEnabled policy to false.');
  });

  it('asks for a policy: the wanted value left to the user is a low finding, a locked one none', () => {
    const stig = ctx({ baselines: ['stig'] });
    expect(titles(passwordSaving.run(passwords(false), stig))).toEqual(['low: Password saving is off, but the user can turn it on (DISA STIG DTBC-0011)']);
    expect(passwordSaving.run(passwords(false, true), stig)).toEqual([]);
  });

  it('holds CIS 2.6.1 satisfied by any value a policy fixes', () => {
    const cis = ctx({ baselines: ['cis-l1'] });
    expect(passwordSaving.run(passwords(true, true), cis)).toEqual([]);
    expect(titles(passwordSaving.run(passwords(true), cis))).toEqual(['low: The browser offers to save passwords (CIS 2.6.1)']);
    expect(titles(passwordSaving.run(passwords(true, true), ctx({ baselines: ['stig', 'cis-l1'] })))).toEqual([
      'medium: The browser offers to save passwords (DISA STIG DTBC-0011)',
    ]);
  });

  it('applies CIS level 2 rules only under the level 2 baseline', () => {
    const addresses = setting('services.autofillAddressEnabled', true);
    expect(autofillAddresses.run(addresses, ctx({ baselines: ['cis-l1'] }))).toEqual([]);
    expect(titles(autofillAddresses.run(addresses, ctx({ baselines: ['cis-l2'] })))).toEqual(['medium: The browser stores and fills in addresses (CIS 4.8)']);
    expect(titles(networkPrediction.run(setting('network.networkPredictionEnabled', true), ctx({ baselines: ['cis-l2'] })))).toEqual([
      'medium: Network prediction connects ahead to sites the user has not opened (CIS 3.10)',
    ]);
  });

  it('ignores a value that is not true or false', () => {
    expect(passwordSaving.run(passwords(true), ctx({ baselines: ['stig'] }))).toHaveLength(1);
    expect(passwordSaving.run(setting('services.passwordSavingEnabled', 'yes'), ctx({ baselines: ['stig'] }))).toEqual([]);
  });

  it('lowers the level of an audited browser to low risk, never to highly vulnerable', () => {
    const r = report({
      settings: [
        'services.passwordSavingEnabled',
        'services.autofillCreditCardEnabled',
        'services.autofillAddressEnabled',
        'services.searchSuggestEnabled',
      ].map((name) => ({ name, value: true, locked: false })),
    });
    expect(evaluate(r, ctx({ baselines: ['stig'] }))).toMatchObject({ level: 'low', compliant: true });
  });
});

describe('levels and verdict', () => {
  const f = (severity: Finding['severity']): Finding => ({ check: 'x', severity, subject: '', title: { en: '', es: '' }, remediation: { en: '', es: '' } });
  it("follows the product page's scale", () => {
    expect(levelOf([])).toBe('secure');
    expect(levelOf([f('medium'), f('low')])).toBe('low');
    expect(levelOf([f('high')])).toBe('high');
    expect(levelOf([f('high'), f('high'), f('high')])).toBe('very_high');
    expect(levelOf([f('critical')])).toBe('very_high');
  });

  it("is non-compliant from the policy's threshold on", () => {
    const risky = report({ extensions: [extension({ permissions: ['debugger'] })] });
    expect(evaluate(risky, ctx())).toMatchObject({ level: 'high', compliant: false });
    expect(evaluate(risky, ctx({ threshold: 'very_high' }))).toMatchObject({ level: 'high', compliant: true });
    expect(evaluate(report(), ctx({ threshold: 'low' }))).toMatchObject({ level: 'secure', compliant: true });
  });
});
