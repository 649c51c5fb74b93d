import { localize } from './text';
import type { Check } from './types';

/** An extension the admin banned, installed at all: even disabled, a user can turn it back on. */
export const blocklistedExtension: Check = {
  id: 'blocklisted-extension',
  summary: localize((t) => t['blocklisted-extension'].summary),
  run(report, { policy }) {
    const banned = new Set(policy.blocklist);
    return report.extensions
      .filter((e) => banned.has(e.id))
      .map((e) => ({
        check: this.id,
        severity: 'critical' as const,
        subject: e.name || e.id,
        title: localize((t) => t['blocklisted-extension'].title, { extension: e.name, id: e.id }),
        remediation: localize((t) => t['blocklisted-extension'].fix, { extension: e.name }),
      }));
  },
};
