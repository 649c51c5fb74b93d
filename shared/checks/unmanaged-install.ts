import type { Check } from './types';

/** Loaded unpacked (developer mode) or sideloaded by another program: no store review, no automatic updates. */
export const unmanagedInstall: Check = {
  id: 'unmanaged-install',
  summary: { en: 'have an extension installed outside policy', es: 'tienen una extensión instalada fuera de la directiva' },
  run(report, { policy, selfId }) {
    const allowed = new Set(policy.allowlist);
    return report.extensions
      .filter((e) => (e.installType === 'development' || e.installType === 'sideload') && !allowed.has(e.id) && e.id !== selfId)
      .map((e) => {
        const how = e.installType === 'development' ? { en: 'loaded in developer mode', es: 'cargada en modo desarrollador' } : { en: 'sideloaded by another program', es: 'instalada por otro programa' };
        return {
          check: this.id,
          severity: 'medium' as const,
          subject: e.name || e.id,
          title: { en: `${e.name} is ${how.en}`, es: `${e.name} está ${how.es}` },
          remediation: {
            en: `Remove ${e.name}, and turn developer mode off with the DeveloperToolsAvailability and ExtensionInstallSources policies.`,
            es: `Quite ${e.name} y desactive el modo desarrollador con las directivas DeveloperToolsAvailability y ExtensionInstallSources.`,
          },
        };
      });
  },
};
