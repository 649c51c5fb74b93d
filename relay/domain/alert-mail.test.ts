import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/checks/index';
import { alertMail, consoleLink, MAX_DEVICES_PER_MAIL } from './alert-mail';
import { MAX_FINDINGS_PER_DEVICE, type AlertPayload } from './judgement';

const finding = (i: number, severity: Finding['severity'] = 'high'): Finding => ({
  check: 'risky-permissions',
  severity,
  subject: `ext ${i}`,
  title: { en: `Extension ${i} can debug every tab`, es: `La extensión ${i} puede depurar todas las pestañas` },
  remediation: { en: `Remove extension ${i}.`, es: `Quite la extensión ${i}.` },
});
const alert = (id: string, findings: Finding[], level: AlertPayload['level'] = 'high'): AlertPayload => ({
  device: { id, label: id, browser: 'Chrome', version: '131.0', os: 'win' },
  level,
  findings,
  reportedAt: Date.UTC(2026, 11, 2),
});

describe('alertMail', () => {
  it('lists at most the worst devices and their worst findings, and counts what it leaves out', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      alert(
        `device-${i}`,
        Array.from({ length: 20 }, (_, j) => finding(j, j === 19 ? 'critical' : 'high')),
      ),
    );
    const mail = alertMail([...many, alert('device-real', [finding(0)], 'very_high')], 'en');
    expect(mail.subject).toContain('61 browsers');
    const blocks = mail.text.split('\n').filter((l) => l.startsWith('== '));
    expect(blocks).toHaveLength(MAX_DEVICES_PER_MAIL);
    expect(blocks[0]).toBe('== “device-real” (name reported by the browser; device-real)'); // the worst level first
    expect(mail.text).toContain("And 11 more browsers: the full list is in the extension's Fleet panel.");
    const first = mail.text.split('== “device-0” ')[1]!.split('\n\n')[0]!;
    expect(first.match(/^ {2}- /gm)).toHaveLength(MAX_FINDINGS_PER_DEVICE);
    expect(first).toContain('Extension 19 can debug every tab'); // the critical one is kept
    expect(first).toContain('and 10 more findings');
    expect(alertMail(many, 'es').html).toContain('Y 10 navegadores más');
  });

  it("opens a storm with how many browsers have each kind of finding, most first, in the policy's language", () => {
    const outdated = (id: string): Finding => ({ ...finding(0), check: 'browser-version', title: { en: `${id} is old`, es: `${id} es antiguo` } });
    const safeBrowsingOff: Finding = { ...finding(1), check: 'safe-browsing' };
    const storm = [
      ...Array.from({ length: 2973 }, (_, i) => alert(`device-${i}`, [outdated(`Chrome ${i}`)])),
      ...Array.from({ length: 27 }, (_, i) => alert(`device-sb-${i}`, [outdated('Chrome'), safeBrowsingOff])),
    ];
    const mail = alertMail(storm, 'en');
    expect(mail.text).toContain('In short:\n  * 3,000 browsers run an outdated browser version\n  * 27 browsers have Safe Browsing off\n');
    expect(mail.text.split('\n').filter((l) => l.startsWith('== '))).toHaveLength(MAX_DEVICES_PER_MAIL);
    expect(Buffer.byteLength(mail.text) + Buffer.byteLength(mail.html)).toBeLessThan(200_000);
    expect(alertMail(storm, 'es').text).toContain('3000 navegadores usan una versión del navegador desactualizada'); // Spanish groups from 5 digits (CLDR);
    expect(alertMail(storm.slice(0, 3), 'en').text).not.toContain('In short:');
  });

  it("links each device to its detail in the console, the link escaped in HTML like the report's own words", () => {
    const sibling = alert('device-0001~Ab_c-d', [finding(0)]);
    const link = () => consoleLink('chrome-extension://iiigkidhbdbfplmdfdenmmlfkhnilkhk/options.html', sibling.device.id, 42);
    expect(link()).toBe('chrome-extension://iiigkidhbdbfplmdfdenmmlfkhnilkhk/options.html?device=device-0001%7EAb_c-d&alert=42#fleet');
    const mail = alertMail([sibling], 'es', { link });
    expect(mail.text).toContain(`Abrirlo en la consola de Guardmail: ${link()}`);
    expect(mail.html).toContain(`<a href="${link().replace('&', '&#38;')}">Abrirlo en la consola de Guardmail</a>`);
    expect(alertMail([sibling], 'en').text).not.toContain('console');
  });
});
