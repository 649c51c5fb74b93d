import { LEVELS, type Level } from '../../shared/alert-policy';
import { CHECKS, type Finding } from '../../shared/checks/index';
import { findingKey } from './alert-rule';
import { MAX_FINDINGS_PER_DEVICE, worstFirst, type AlertPayload } from './judgement';

type Lang = 'en' | 'es';

/**
 * Bounds that keep any alert mail far below the smallest provider limit (Gmail's 35 MB; 1 MB is the aim) whatever the
 * reports said: report strings are capped by the schema, so at most this many devices and findings make the mail.
 */
export const MAX_DEVICES_PER_MAIL = 50;
/** From this many browsers, a mail opens with how many have each kind of finding. */
export const DIGEST_FROM = 10;

const LEVEL_NAMES: Record<Lang, Record<Level, string>> = {
  en: { very_high: 'very highly vulnerable', high: 'highly vulnerable', low: 'low risk', secure: 'secure' },
  es: { very_high: 'muy altamente vulnerable', high: 'altamente vulnerable', low: 'riesgo bajo', secure: 'seguro' },
};

const TEXT = {
  en: {
    subject: (n: number, worst: string) => `[Guardmail] ${n} browser${n === 1 ? '' : 's'} ${worst}`,
    intro: (n: number) => `Guardmail found ${n} managed browser${n === 1 ? '' : 's'} out of compliance.`,
    browser: 'Browser', os: 'OS', level: 'Level', todo: 'What to do', reported: 'Reported', new: 'New since the last alert',
    footer: 'You receive this because you are a recipient in Guardmail\'s alert policy.',
    moreFindings: (n: number) => `and ${n} more finding${n === 1 ? '' : 's'}: see this browser in the extension's Fleet panel`,
    moreDevices: (n: number) => `And ${n} more browser${n === 1 ? '' : 's'}: the full list is in the extension's Fleet panel.`,
    digest: 'In short:',
    digestLine: (n: string, what: string) => `${n} browser${n === '1' ? '' : 's'} ${what}`,
    worst: 'The worst first:',
  },
  es: {
    subject: (n: number, worst: string) => `[Guardmail] ${n} navegador${n === 1 ? '' : 'es'} ${worst}`,
    intro: (n: number) => `Guardmail encontró ${n} navegador${n === 1 ? '' : 'es'} administrado${n === 1 ? '' : 's'} fuera de cumplimiento.`,
    browser: 'Navegador', os: 'Sistema', level: 'Nivel', todo: 'Qué hacer', reported: 'Notificado', new: 'Nuevo desde la última alerta',
    footer: 'Recibe este correo porque figura como destinatario en la directiva de alertas de Guardmail.',
    moreFindings: (n: number) => `y ${n} hallazgo${n === 1 ? '' : 's'} más: vea este navegador en el panel Flota de la extensión`,
    moreDevices: (n: number) => `Y ${n} navegador${n === 1 ? '' : 'es'} más: la lista completa está en el panel Flota de la extensión.`,
    digest: 'En resumen:',
    digestLine: (n: string, what: string) => `${n} navegador${n === '1' ? '' : 'es'} ${what}`,
    worst: 'Los peores primero:',
  },
} as const;

export interface AlertMail {
  subject: string;
  text: string;
  html: string;
}

const isNew = (f: Finding, newFindings: readonly string[] | undefined) => newFindings?.includes(findingKey(f)) ?? false;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One mail for a batch of alerts, in the policy's language: a subject that says how many browsers and how bad, and
 * the worst devices with their browser, level and worst findings with their remediation, as HTML and plain text; what
 * the bounds leave out is counted ("and N more"), never silently dropped.
 */
export function alertMail(alerts: AlertPayload[], lang: Lang): AlertMail {
  const t = TEXT[lang];
  const sorted = [...alerts].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  const listed = sorted.slice(0, MAX_DEVICES_PER_MAIL).map((a) => ({
    ...a,
    findings: worstFirst(a.findings).slice(0, MAX_FINDINGS_PER_DEVICE),
    more: Math.max(0, a.findings.length - MAX_FINDINGS_PER_DEVICE) + (a.moreFindings ?? 0),
  }));
  const moreDevices = sorted.length - listed.length;
  // A storm (a browser zero-day makes the whole fleet vulnerable) reads as one digest by kind of finding.
  const digest = sorted.length >= DIGEST_FROM ? digestLines(sorted, lang) : [];
  const worst = sorted[0]?.level ?? 'high';
  const counts = LEVELS.filter((l) => sorted.some((a) => a.level === l)).map((l) => `${sorted.filter((a) => a.level === l).length} ${LEVEL_NAMES[lang][l]}`);
  const subject = counts.length === 1 ? t.subject(sorted.length, LEVEL_NAMES[lang][worst]) : `${t.subject(sorted.length, LEVEL_NAMES[lang][worst])} (${counts.join(', ')})`;
  const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

  const text = [
    t.intro(sorted.length),
    '',
    ...(digest.length ? [t.digest, ...digest.map((l) => `  * ${l}`), '', t.worst, ''] : []),
    ...listed.flatMap(({ device, level, findings, more, reportedAt, newFindings }) => [
      `== ${device.label} (${device.id})`,
      `${t.browser}: ${device.browser} ${device.version} · ${t.os}: ${device.os} · ${t.level}: ${LEVEL_NAMES[lang][level]} · ${t.reported}: ${when(reportedAt)}`,
      ...findings.flatMap((f) => [`  - ${isNew(f, newFindings) ? `[${t.new}] ` : ''}${f.title[lang]}`, `    ${t.todo}: ${f.remediation[lang]}`]),
      ...(more ? [`  (${t.moreFindings(more)})`] : []),
      '',
    ]),
    ...(moreDevices ? [t.moreDevices(moreDevices), ''] : []),
    t.footer,
  ].join('\n');

  const html = `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif">
<p>${escape(t.intro(sorted.length))}</p>
${digest.length ? `<p>${t.digest}</p><ul>${digest.map((l) => `<li>${escape(l)}</li>`).join('')}</ul><p>${t.worst}</p>` : ''}
${listed
  .map(
    ({ device, level, findings, more, reportedAt, newFindings }) => `<h3 style="margin-bottom:4px">${escape(device.label)} <small style="color:#666">${escape(device.id)}</small></h3>
<p style="margin-top:0">${t.browser}: <b>${escape(`${device.browser} ${device.version}`)}</b> · ${t.os}: ${escape(device.os)} · ${t.level}: <b style="color:${level === 'very_high' ? '#a51d2d' : '#c64600'}">${LEVEL_NAMES[lang][level]}</b> · ${t.reported}: ${when(reportedAt)}</p>
<ul>${findings.map((f) => `<li>${isNew(f, newFindings) ? `<b style="color:#b00020">${t.new}:</b> ` : ''}<b>${escape(f.title[lang])}</b><br>${t.todo}: ${escape(f.remediation[lang])}</li>`).join('')}${more ? `<li>${escape(t.moreFindings(more))}</li>` : ''}</ul>`,
  )
  .join('\n')}
${moreDevices ? `<p><b>${escape(t.moreDevices(moreDevices))}</b></p>` : ''}
<p style="color:#666;font-size:12px">${escape(t.footer)}</p>
</body></html>`;
  return { subject, text, html };
}

/** How many browsers of the batch have each kind of finding, most first. */
function digestLines(alerts: AlertPayload[], lang: Lang): string[] {
  const counts = new Map<string, number>();
  for (const a of alerts) for (const check of new Set(a.findings.map((f) => f.check))) counts.set(check, (counts.get(check) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .flatMap(([id, n]) => {
      const check = CHECKS.find((c) => c.id === id);
      return check ? [TEXT[lang].digestLine(n.toLocaleString(lang), check.summary[lang])] : [];
    });
}
