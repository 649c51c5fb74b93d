import { LEVELS, type Level } from '../../shared/alert-policy';
import type { Finding } from '../../shared/checks/index';

/** What an alert carries: the device and its findings when it crossed the threshold. */
export interface AlertPayload {
  device: { id: string; label: string; browser: string; version: string; os: string };
  level: Level;
  findings: Finding[];
  reportedAt: number;
}

type Lang = 'en' | 'es';

const LEVEL_NAMES: Record<Lang, Record<Level, string>> = {
  en: { very_high: 'very highly vulnerable', high: 'highly vulnerable', low: 'low risk', secure: 'secure' },
  es: { very_high: 'muy altamente vulnerable', high: 'altamente vulnerable', low: 'riesgo bajo', secure: 'seguro' },
};

const TEXT = {
  en: {
    subject: (n: number, worst: string) => `[Guardmail] ${n} browser${n === 1 ? '' : 's'} ${worst}`,
    intro: (n: number) => `Guardmail found ${n} managed browser${n === 1 ? '' : 's'} out of compliance.`,
    browser: 'Browser', os: 'OS', level: 'Level', todo: 'What to do', reported: 'Reported',
    footer: 'You receive this because you are a recipient in Guardmail\'s alert policy.',
  },
  es: {
    subject: (n: number, worst: string) => `[Guardmail] ${n} navegador${n === 1 ? '' : 'es'} ${worst}`,
    intro: (n: number) => `Guardmail encontró ${n} navegador${n === 1 ? '' : 'es'} administrado${n === 1 ? '' : 's'} fuera de cumplimiento.`,
    browser: 'Navegador', os: 'Sistema', level: 'Nivel', todo: 'Qué hacer', reported: 'Notificado',
    footer: 'Recibe este correo porque figura como destinatario en la directiva de alertas de Guardmail.',
  },
} as const;

export interface AlertMail {
  subject: string;
  text: string;
  html: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One mail for a batch of alerts, in the policy's language: a subject that says how many browsers and how bad,
 * and every device with its browser, level and findings with their remediation, as HTML and plain text.
 */
export function alertMail(alerts: AlertPayload[], lang: Lang): AlertMail {
  const t = TEXT[lang];
  const sorted = [...alerts].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  const worst = sorted[0]?.level ?? 'high';
  const counts = LEVELS.filter((l) => sorted.some((a) => a.level === l)).map((l) => `${sorted.filter((a) => a.level === l).length} ${LEVEL_NAMES[lang][l]}`);
  const subject = counts.length === 1 ? t.subject(sorted.length, LEVEL_NAMES[lang][worst]) : `${t.subject(sorted.length, LEVEL_NAMES[lang][worst])} (${counts.join(', ')})`;
  const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

  const text = [
    t.intro(sorted.length),
    '',
    ...sorted.flatMap(({ device, level, findings, reportedAt }) => [
      `== ${device.label} (${device.id})`,
      `${t.browser}: ${device.browser} ${device.version} · ${t.os}: ${device.os} · ${t.level}: ${LEVEL_NAMES[lang][level]} · ${t.reported}: ${when(reportedAt)}`,
      ...findings.flatMap((f) => [`  - ${f.title[lang]}`, `    ${t.todo}: ${f.remediation[lang]}`]),
      '',
    ]),
    t.footer,
  ].join('\n');

  const html = `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif">
<p>${escape(t.intro(sorted.length))}</p>
${sorted
  .map(
    ({ device, level, findings, reportedAt }) => `<h3 style="margin-bottom:4px">${escape(device.label)} <small style="color:#666">${escape(device.id)}</small></h3>
<p style="margin-top:0">${t.browser}: <b>${escape(`${device.browser} ${device.version}`)}</b> · ${t.os}: ${escape(device.os)} · ${t.level}: <b style="color:${level === 'very_high' ? '#a51d2d' : '#c64600'}">${LEVEL_NAMES[lang][level]}</b> · ${t.reported}: ${when(reportedAt)}</p>
<ul>${findings.map((f) => `<li><b>${escape(f.title[lang])}</b><br>${t.todo}: ${escape(f.remediation[lang])}</li>`).join('')}</ul>`,
  )
  .join('\n')}
<p style="color:#666;font-size:12px">${escape(t.footer)}</p>
</body></html>`;
  return { subject, text, html };
}
