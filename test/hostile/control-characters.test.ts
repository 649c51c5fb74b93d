import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DevicesAnswer } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { startAlertingRelayProcess } from '../fixtures/relay-process';
import { extension, report } from '../fixtures/reports';
import { basicSettings } from '../fixtures/relay';
import { reportRequest } from '../fixtures/signing';
import { testPki } from '../fixtures/tls';
import type { ApiErrorBody } from '../../shared/errors';
import type { SmtpPeer } from '../peers/smtp-peer';

/**
 * Attack 7a: CR/LF, U+0085, U+2028 and other controls in a report's strings reached the text part of the alert mail as
 * extra lines ("Bcc: …" in the body of a mail from the trusted sender), and the logs and the popup as well. Then the
 * invisible format characters (Unicode Cf: U+061C, U+200B–U+200D, U+2060–U+2064, U+FEFF) and the tag block
 * (U+E0000–U+E007F) still reached the mail, hiding text from its reader.
 */
const FORMAT = '\u061cF\u200bo\u200cr\u200dm\u2060a\u2064t\ufeffs\u{E0001}\u{E0041}\u{E007F}!';
const INJECTION = 'Ok\r\nBcc: victim@x.example\u0085X-Next: 1\u2028L\u202eR\u0000e';
const INVISIBLE = /[\u0085\u2028\u202e\u0000\r\u061c\u200b-\u200d\u2060-\u2064\ufeff\u{E0000}-\u{E007F}]/u;

/** Each field, and whether the alert mail shows it (then it must be there, flattened to one line). */
const FIELDS: [string, (r: ComplianceReport) => ComplianceReport, boolean][] = [
  ['deviceLabel', (r) => ({ ...r, deviceLabel: INJECTION }), true],
  ['browser.name', (r) => ({ ...r, browser: { ...r.browser, name: INJECTION } }), true],
  ['os.platform', (r) => ({ ...r, os: { ...r.os, platform: INJECTION } }), true],
  ['os.version', (r) => ({ ...r, os: { ...r.os, version: INJECTION } }), true],
  ['extension name', (r) => ({ ...r, extensions: [extension({ name: INJECTION, permissions: ['debugger'] })] }), true],
  ['extension update URL', (r) => ({ ...r, extensions: [extension({ updateUrl: INJECTION, permissions: ['debugger'] })] }), true],
  ['permission', (r) => ({ ...r, extensions: [extension({ permissions: ['debugger', INJECTION] })] }), false],
  ['host permission', (r) => ({ ...r, extensions: [extension({ permissions: ['debugger'], hostPermissions: [INJECTION] })] }), false],
  ['setting value', (r) => ({ ...r, settings: [{ name: 'network.webRTCIPHandlingPolicy', value: INJECTION, locked: false }] }), false],
  ['deviceLabel, format characters', (r) => ({ ...r, deviceLabel: `${INJECTION} ${FORMAT}` }), true],
  ['extension name, format characters', (r) => ({ ...r, extensions: [extension({ name: `${INJECTION} ${FORMAT}`, permissions: ['debugger'] })] }), true],
];

describe('control and line-separator characters in reports, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startAlertingRelayProcess>>['relay'];
  let smtp: SmtpPeer;
  beforeAll(async () => {
    // At debug level, so that whatever the relay logs about reports is in the output the test reads.
    ({ relay, smtp } = await startAlertingRelayProcess({ recipients: ['it@example.com'], groupingWindowSeconds: 0 }, { GUARDMAIL_LOG_LEVEL: 'debug' }));
  });
  afterAll(async () => {
    await relay?.stop();
    await smtp?.close();
  });

  it.each(FIELDS)('never reach the mail, the log or the device view from %s', async (field, inject, shown) => {
    const deviceId = `device-injected-${field.replace(/\W/g, '-')}`;
    const body = inject(report({ deviceId, extensions: [extension({ name: 'Tab Debugger', permissions: ['debugger'] })] }));
    const mailsBefore = smtp.received.length;
    const res = await fetch(`${relay.url}/api/v1/reports`, reportRequest(body, relay.enrollment));
    expect(res.status, await res.clone().text()).toBe(202);
    await vi.waitFor(() => expect(smtp.received).toHaveLength(mailsBefore + 1), { timeout: 20_000, interval: 100 });
    // Decoded as a mail client would: quoted-printable soft breaks are not lines.
    const mail = await simpleParser(smtp.received.at(-1)!.raw);
    expect(mail.headers.has('bcc')).toBe(false);
    const text = `${mail.text ?? ''}\n${mail.html || ''}`;
    if (shown) expect(text).toContain('Bcc: victim@x.example X-Next: 1');
    expect(text).not.toMatch(/^(Bcc|X-Next):/im);
    expect(text).not.toMatch(INVISIBLE);
    if (shown && field.includes('format')) expect(text).toContain(' F o r m a t s ');
    const devices = await fetch(`${relay.url}/api/v1/devices?limit=100`, { headers: { Authorization: `Bearer ${relay.admin}` } });
    const view = JSON.stringify((await devices.json()) as DevicesAnswer);
    expect(view).toContain(deviceId);
    expect(view).not.toMatch(/\\r|\\n|\\u0085|\\u2028|\\u202e|\\u0000|\\ufeff/);
    expect(view).not.toMatch(INVISIBLE);
    expect(relay.stdout() + relay.stderr()).not.toMatch(/[\u0085\u2028\u202e\u200b\ufeff]|\\r\\nBcc/);
  });

  it.each([
    ['id', { id: INJECTION }],
    ['version', { version: INJECTION }],
  ])("refuses an extension %s that is not an id's or a version's characters, naming the field", async (field, facts) => {
    const body = report({ deviceId: `device-refused-${field}`, extensions: [extension(facts)] });
    const res = await fetch(`${relay.url}/api/v1/reports`, reportRequest(body, relay.enrollment));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: `extensions.0.${field}` });
  });

  it('refuses a sender name with a control or format character, naming the field, and keeps the stored one', async () => {
    const put = (senderName: string) =>
      fetch(`${relay.url}/api/v1/mail-settings`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${relay.admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          ...basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }),
          password: undefined,
          senderName,
        }),
      });
    for (const name of ['IT \u202eytiruces', 'IT\u200b Security', 'IT\u{E0041} Security', 'IT\r\nBcc: x@example.com']) {
      const res = await put(name);
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'senderName' });
    }
    expect((await put('IT Security')).status).toBe(200);
  });
});
