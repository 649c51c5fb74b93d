import { allowedBy } from '../extension-risk';
import { localize } from './text';
import type { Check } from './types';

/** Loaded unpacked (developer mode) or sideloaded by another program: no store review, no automatic updates. */
export const unmanagedInstall: Check = {
  id: 'unmanaged-install',
  summary: localize((t) => t['unmanaged-install'].summary),
  run(report, { policy, selfId }) {
    const allowed = allowedBy(policy);
    return report.extensions
      .filter((e) => (e.installType === 'development' || e.installType === 'sideload') && !allowed.extension(e.id, e.version) && e.id !== selfId)
      .map((e) => ({
        check: this.id,
        severity: 'medium' as const,
        subject: e.name || e.id,
        title: localize((t) => t['unmanaged-install'][e.installType === 'development' ? 'development' : 'sideload'], { extension: e.name }),
        remediation: localize((t) => t['unmanaged-install'].fix, { extension: e.name }),
      }));
  },
};
