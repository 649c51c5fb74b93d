import { SUPPORTED_VERSION_RULES, type Check, type Finding } from './types';

/** Compares dotted versions numerically: "131.0.10" > "131.0.9". */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export const majorOf = (version: string): number => Number(version.split('.')[0]);

const DAY = 86_400_000;

/**
 * An old browser misses security fixes: older than the admin's minimum, or superseded on its channel by a vendor
 * release for longer than the policy's grace period. Where the relay has no release data for the browser, too many
 * majors behind the newest that enough of the fleet runs.
 */
export const browserVersion: Check = {
  id: 'browser-version',
  rules: SUPPORTED_VERSION_RULES,
  summary: { en: 'run an outdated browser version', es: 'usan una versión del navegador desactualizada' },
  run(report, { policy, newestMajors, releases, now = Date.now() }) {
    const { name, version } = report.browser;
    const findings: Finding[] = [];
    // Own keys only: a report's browser named "constructor" must not reach Object.prototype.
    const minimum = Object.hasOwn(policy.minimumVersions, name) ? policy.minimumVersions[name] : undefined;
    if (minimum && compareVersions(version, minimum) < 0) {
      findings.push({
        check: this.id,
        severity: 'high',
        subject: `${name} ${version}`,
        title: { en: `${name} ${version} is older than the required ${minimum}`, es: `${name} ${version} es anterior a la versión exigida ${minimum}` },
        remediation: { en: `Update ${name} to ${minimum} or newer and restart it.`, es: `Actualice ${name} a la ${minimum} o posterior y reinícielo.` },
      });
    }
    const old = releases?.superseded(name, report.os.platform, version);
    if (old !== undefined) {
      if (old && now - old.since > policy.releaseGraceDays * DAY) {
        const days = Math.floor((now - old.since) / DAY);
        findings.push({
          check: this.id,
          severity: 'high',
          subject: `${name} ${version}`,
          title: {
            en: `${name} ${version} has been superseded on the ${old.channel} channel for ${days} days (${old.by}, released ${old.sinceDay}); it is ${old.behind} ${old.behind === 1 ? 'update' : 'updates'} behind ${old.target}`,
            es: `${name} ${version} lleva ${days} días superada en el canal ${old.channel} (${old.by}, publicada el ${old.sinceDay}); va ${old.behind} ${old.behind === 1 ? 'actualización' : 'actualizaciones'} por detrás de ${old.target}`,
          },
          remediation: {
            en: `Update ${name} to ${old.target} or newer and restart it; check that automatic updates are not blocked by policy.`,
            es: `Actualice ${name} a la ${old.target} o posterior y reinícielo; compruebe que ninguna directiva bloquea las actualizaciones automáticas.`,
          },
        });
      }
      return findings;
    }
    const newest = newestMajors.get(name);
    const behind = newest === undefined ? 0 : newest - majorOf(version);
    if (behind > policy.maxMajorsBehind) {
      findings.push({
        check: this.id,
        severity: 'high',
        subject: `${name} ${version}`,
        title: { en: `${name} ${version} is ${behind} major versions behind the newest that enough of the fleet runs (${newest})`, es: `${name} ${version} va ${behind} versiones principales por detrás de la más reciente que usa una parte suficiente de la flota (${newest})` },
        remediation: { en: `Update ${name} and restart it; check that automatic updates are not blocked.`, es: `Actualice ${name} y reinícielo; compruebe que las actualizaciones automáticas no están bloqueadas.` },
      });
    }
    return findings;
  },
};
