import type { ExtensionFacts } from '../report';
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
  summary: { en: 'have an extension with risky permissions', es: 'tienen una extensión con permisos de riesgo' },
  run(report, { policy, selfId }) {
    const allowed = new Set(policy.allowlist);
    return report.extensions.flatMap((e) => {
      if (!e.enabled || allowed.has(e.id) || e.id === selfId) return [];
      const risky = riskyPermissions(e);
      if (risky.length === 0) return [];
      const list = risky.join(', ');
      return [{
        check: this.id,
        severity: 'high' as const,
        subject: e.name || e.id,
        title: { en: `${e.name} has high-risk permissions: ${list}`, es: `${e.name} tiene permisos de alto riesgo: ${list}` },
        remediation: {
          en: `Remove ${e.name} unless it is needed; if it is, add ${e.id} to the allowlist.`,
          es: `Quite ${e.name} si no es necesaria; si lo es, añada ${e.id} a la lista de permitidas.`,
        },
      }];
    });
  },
};
