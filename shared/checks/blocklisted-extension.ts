import type { Check } from './types';

/** An extension the admin banned, installed at all: even disabled, a user can turn it back on. */
export const blocklistedExtension: Check = {
  id: 'blocklisted-extension',
  summary: { en: 'have a blocklisted extension installed', es: 'tienen instalada una extensión bloqueada' },
  run(report, { policy }) {
    const banned = new Set(policy.blocklist);
    return report.extensions
      .filter((e) => banned.has(e.id))
      .map((e) => ({
        check: this.id,
        severity: 'critical' as const,
        subject: e.name || e.id,
        title: { en: `Blocklisted extension installed: ${e.name} (${e.id})`, es: `Extensión prohibida instalada: ${e.name} (${e.id})` },
        remediation: {
          en: `Remove ${e.name} and block it with the ExtensionInstallBlocklist policy.`,
          es: `Quite ${e.name} y bloquéela con la directiva ExtensionInstallBlocklist.`,
        },
      }));
  },
};
