import type { ExtensionFacts } from '../report';
import { localize } from './text';
import type { Check } from './types';

/** Permissions that let an extension take over the browser whatever the sites. */
const ALWAYS_RISKY = ['debugger', 'nativeMessaging', 'proxy', 'management', 'privacy', 'vpnProvider', 'enterprise.platformKeys', 'webAuthenticationProxy'];
/** Permissions that are risky when the extension may use them on every site. */
const RISKY_ON_ALL_HOSTS = ['webRequest', 'webRequestBlocking', 'cookies', 'declarativeNetRequestWithHostAccess', 'scripting', 'tabCapture'];
const ALL_HOSTS = /^(<all_urls>|\*:\/\/\*\/\*|https?:\/\/\*\/\*)$/;

export function riskyPermissions(e: ExtensionFacts): string[] {
  const allHosts = e.hostPermissions.some((h) => ALL_HOSTS.test(h)) || e.permissions.some((p) => ALL_HOSTS.test(p));
  return [...ALWAYS_RISKY.filter((p) => e.permissions.includes(p)), ...(allHosts ? RISKY_ON_ALL_HOSTS.filter((p) => e.permissions.includes(p)) : [])];
}

/** An enabled extension with high-risk permissions that the admin has not allowed. */
export const riskyPermissionsCheck: Check = {
  id: 'risky-permissions',
  summary: localize((t) => t['risky-permissions'].summary),
  run(report, { policy, selfId }) {
    const allowed = new Set(policy.allowlist);
    return report.extensions.flatMap((e) => {
      if (!e.enabled || allowed.has(e.id) || e.id === selfId) return [];
      const risky = riskyPermissions(e);
      if (risky.length === 0) return [];
      return [
        {
          check: this.id,
          severity: 'high' as const,
          subject: e.name || e.id,
          title: localize((t) => t['risky-permissions'].title, { extension: e.name, permissions: risky.join(', ') }),
          remediation: localize((t) => t['risky-permissions'].fix, { extension: e.name, id: e.id }),
        },
      ];
    });
  },
};
