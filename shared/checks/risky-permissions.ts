import { allowedBy, extensionRisk, reasonSubject } from '../extension-risk';
import { localize } from './text';
import type { Check } from './types';

/**
 * An enabled extension whose risk score (shared/extension-risk.ts) reaches the policy's threshold, and that the admin
 * has not allowed. The fleet's Extensions list scores with the same points.
 */
export const riskyPermissionsCheck: Check = {
  id: 'risky-permissions',
  summary: localize((t) => t['risky-permissions'].summary),
  run(report, { policy, selfId }) {
    const allowed = allowedBy(policy);
    return report.extensions.flatMap((e) => {
      if (!e.enabled || allowed.extension(e.id, e.version) || e.id === selfId) return [];
      const risk = extensionRisk(e, allowed.permissions);
      if (risk.score < policy.extensionRiskThreshold) return [];
      return [
        {
          check: this.id,
          severity: 'high' as const,
          subject: e.name || e.id,
          title: localize((t) => t['risky-permissions'].title, {
            extension: e.name,
            score: risk.score,
            permissions: risk.reasons.map(reasonSubject).join(', '),
          }),
          remediation: localize((t) => t['risky-permissions'].fix, { extension: e.name, id: e.id }),
        },
      ];
    });
  },
};
