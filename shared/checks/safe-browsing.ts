import type { Check } from './types';

/** Safe Browsing off: no warnings for phishing and malware sites or downloads. */
export const safeBrowsing: Check = {
  id: 'safe-browsing',
  summary: { en: 'have Safe Browsing off', es: 'tienen la Navegación segura desactivada' },
  run(report) {
    const setting = report.settings.find((s) => s.name === 'services.safeBrowsingEnabled');
    if (!setting || setting.value !== false) return [];
    return [{
      check: this.id,
      severity: 'high',
      subject: 'Safe Browsing',
      title: { en: 'Safe Browsing is off', es: 'La Navegación segura está desactivada' },
      remediation: {
        en: `Turn Safe Browsing on${setting.locked ? ' (a policy turned it off: check SafeBrowsingProtectionLevel)' : ', and enforce it with the SafeBrowsingProtectionLevel policy'}.`,
        es: `Active la Navegación segura${setting.locked ? ' (una directiva la desactivó: revise SafeBrowsingProtectionLevel)' : ' e impóngala con la directiva SafeBrowsingProtectionLevel'}.`,
      },
    }];
  },
};
