import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DevicesAnswer } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { startAlertingRelayProcess } from '../fixtures/relay-process';
import { extension, report } from '../fixtures/reports';
import type { SmtpPeer } from '../peers/smtp-peer';

/**
 * Attack 7a: CR/LF, U+0085, U+2028 and other controls in a report's strings reached the text part of the alert mail as
 * extra lines ("Bcc: …" in the body of a mail from the trusted sender), and the logs and the popup as well.
 */
const INJECTION = 'Ok\r\nBcc: victim@x.example\u0085X-Next: 1\u2028L\u202eR\u0000e';

/** Each field, and whether the alert mail shows it (then it must be there, flattened to one line). */
const FIELDS: [string, (r: ComplianceReport) => ComplianceReport, boolean][] = [
  ['deviceLabel', (r) => ({ ...r, deviceLabel: INJECTION }), true],
  ['browser.name', (r) => ({ ...r, browser: { ...r.browser, name: INJECTION } }), true],
  ['os.platform', (r) => ({ ...r, os: { ...r.os, platform: INJECTION } }), true],
  ['os.version', (r) => ({ ...r, os: { ...r.os, version: INJECTION } }), true],
  ['extension name', (r) => ({ ...r, extensions: [extension({ name: INJECTION, permissions: ['debugger'] })] }), true],
  ['extension id', (r) => ({ ...r, extensions: [extension({ id: INJECTION, permissions: ['debugger'] })] }), false],
  ['extension version', (r) => ({ ...r, extensions: [extension({ version: INJECTION, permissions: ['debugger'] })] }), false],
  ['permission', (r) => ({ ...r, extensions: [extension({ permissions: ['debugger', INJECTION] })] }), false],
  ['host permission', (r) => ({ ...r, extensions: [extension({ permissions: ['debugger'], hostPermissions: [INJECTION] })] }), false],
  ['setting value', (r) => ({ ...r, settings: [{ name: 'network.webRTCIPHandlingPolicy', value: INJECTION, locked: false }] }), false],
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
    const res = await fetch(`${relay.url}/api/v1/reports`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    await vi.waitFor(() => expect(smtp.received).toHaveLength(mailsBefore + 1), { timeout: 20_000, interval: 100 });
    // Decoded as a mail client would: quoted-printable soft breaks are not lines.
    const mail = await simpleParser(smtp.received.at(-1)!.raw);
    expect(mail.headers.has('bcc')).toBe(false);
    const text = `${mail.text ?? ''}\n${mail.html || ''}`;
    if (shown) expect(text).toContain('Bcc: victim@x.example X-Next: 1');
    expect(text).not.toMatch(/^(Bcc|X-Next):/im);
    expect(text).not.toMatch(/[\u0085\u2028\u202e\u0000\r]/);
    const devices = await fetch(`${relay.url}/api/v1/devices?limit=100`, { headers: { Authorization: `Bearer ${relay.admin}` } });
    const view = JSON.stringify((await devices.json()) as DevicesAnswer);
    expect(view).toContain(deviceId);
    expect(view).not.toMatch(/\\r|\\n|\\u0085|\\u2028|\\u202e|\\u0000|[\u0085\u2028\u202e]/);
    expect(relay.stdout() + relay.stderr()).not.toMatch(/[\u0085\u2028\u202e]|\\r\\nBcc/);
  });
});
