import { LEVELS } from '../../shared/alert-policy';
import { CHECKS, type Finding } from '../../shared/checks/index';
import { mail as en, type MailTexts } from '../../shared/locales/en';
import { mail as es } from '../../shared/locales/es';
import { format, type Lang, type Params, type Text } from '../../shared/locales/lang';
import { findingKey } from './alert-rule';
import { extensionBlocks, extensionSubject, type ExtensionAlert, type Reach } from './extension-alert';
import { isExtensionAlert, MAX_FINDINGS_PER_DEVICE, worstFirst, type AlertPayload, type OutboxPayload } from './judgement';

/**
 * Bounds that keep any alert mail far below the smallest provider limit (Gmail's 35 MB; 1 MB is the aim) whatever the
 * reports said: report strings are capped by the schema, so at most this many devices and findings make the mail.
 */
export const MAX_DEVICES_PER_MAIL = 50;
/** From this many browsers, a mail opens with how many have each kind of finding. */
export const DIGEST_FROM = 10;

const MAIL: Record<Lang, MailTexts> = { en, es };

/**
 * Where an alert's device opens in the console: the options page of the relay's own extension (its ID follows from the
 * relay's signing key, so the address is the same on every admin's Chrome or Edge), at the device, saying which alert.
 */
export const consoleLink = (consoleUrl: string, deviceId: string, alertId: number): string =>
  `${consoleUrl}?${new URLSearchParams({ device: deviceId, alert: String(alertId) }).toString()}#fleet`;
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
export function alertMail(
  payloads: readonly OutboxPayload[],
  lang: Lang,
  { reach = new Map(), link }: { reach?: ReadonlyMap<ExtensionAlert, Reach>; link?: (alert: AlertPayload) => string } = {},
): AlertMail {
  const t = MAIL[lang];
  const alerts = payloads.filter((p): p is AlertPayload => !isExtensionAlert(p));
  const extensions = extensionBlocks(payloads.filter(isExtensionAlert), reach, lang);
  const extensionCount = payloads.length - alerts.length;
  const say = (text: Text, count: number, params: Params = {}) => format(text, lang, { count, ...params }, count);
  const sorted = [...alerts].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  const listed = sorted.slice(0, MAX_DEVICES_PER_MAIL).map((a) => ({
    ...a,
    source: a,
    findings: worstFirst(a.findings).slice(0, MAX_FINDINGS_PER_DEVICE),
    more: Math.max(0, a.findings.length - MAX_FINDINGS_PER_DEVICE) + (a.moreFindings ?? 0),
  }));
  const moreDevices = sorted.length - listed.length;
  // A storm (a browser zero-day makes the whole fleet vulnerable) reads as one digest by kind of finding.
  const digest = sorted.length >= DIGEST_FROM ? digestLines(sorted, lang) : [];
  const worst = sorted[0]?.level ?? 'high';
  const counts = LEVELS.filter((l) => sorted.some((a) => a.level === l)).map(
    (l) => `${sorted.filter((a) => a.level === l).length.toLocaleString(lang)} ${t.levels[l]}`,
  );
  // Counts only: nothing a report says reaches a header.
  const devicesSubject = say(t.subject, sorted.length, { worst: t.levels[worst] }) + (counts.length === 1 ? '' : ` (${counts.join(', ')})`);
  const subject =
    sorted.length === 0
      ? extensionSubject(extensionCount, lang)
      : devicesSubject + (extensionCount ? `; ${extensionSubject(extensionCount, lang).replace(/^\[Guardmail\] /, '')}` : '');
  const intro = say(t.intro, sorted.length);
  const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

  const text = [
    ...(sorted.length ? [intro, ''] : []),
    ...extensions.text,
    ...(digest.length ? [t.digest, ...digest.map((l) => `  * ${l}`), '', t.worst, ''] : []),
    ...listed.flatMap(({ device, level, findings, more, reportedAt, newFindings, source }) => [
      `== “${device.label}” (${t.reportedName}; ${device.id})`,
      ...(link ? [`${t.openInConsole}: ${link(source)}`] : []),
      `${t.browser}: ${device.browser} ${device.version} · ${t.os}: ${device.os} · ${t.level}: ${t.levels[level]} · ${t.reported}: ${when(reportedAt)}`,
      ...findings.flatMap((f) => [`  - ${isNew(f, newFindings) ? `[${t.new}] ` : ''}${f.title[lang]}`, `    ${t.todo}: ${f.remediation[lang]}`]),
      ...(more ? [`  (${say(t.moreFindings, more)})`] : []),
      '',
    ]),
    ...(moreDevices ? [say(t.moreDevices, moreDevices), ''] : []),
    t.footer,
  ].join('\n');

  const html = `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif">
${sorted.length ? `<p>${escape(intro)}</p>` : ''}
${extensions.html}${digest.length ? `<p>${t.digest}</p><ul>${digest.map((l) => `<li>${escape(l)}</li>`).join('')}</ul><p>${t.worst}</p>` : ''}
${listed
  .map(
    ({
      device,
      level,
      findings,
      more,
      reportedAt,
      newFindings,
      source,
    }) => `<h3 style="margin-bottom:4px">“${escape(device.label)}” <small style="color:#666">${escape(t.reportedName)}; ${escape(device.id)}</small></h3>${
      link ? `\n<p style="margin:0"><a href="${escape(link(source))}">${escape(t.openInConsole)}</a></p>` : ''
    }
<p style="margin-top:0">${t.browser}: <b>${escape(`${device.browser} ${device.version}`)}</b> · ${t.os}: ${escape(device.os)} · ${t.level}: <b style="color:${level === 'very_high' ? '#a51d2d' : '#c64600'}">${t.levels[level]}</b> · ${t.reported}: ${when(reportedAt)}</p>
<ul>${findings.map((f) => `<li>${isNew(f, newFindings) ? `<b style="color:#b00020">${t.new}:</b> ` : ''}<b>${escape(f.title[lang])}</b><br>${t.todo}: ${escape(f.remediation[lang])}</li>`).join('')}${more ? `<li>${escape(say(t.moreFindings, more))}</li>` : ''}</ul>`,
  )
  .join('\n')}
${moreDevices ? `<p><b>${escape(say(t.moreDevices, moreDevices))}</b></p>` : ''}
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
      return check ? [format(MAIL[lang].digestLine, lang, { count: n, what: check.summary[lang] }, n)] : [];
    });
}
