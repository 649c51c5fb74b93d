import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { AlertPolicy } from '../../shared/alert-policy';
import { MailSettingsInput } from '../../shared/mail-settings';
import type { ComplianceReport } from '../../shared/report';
import type { AppDeps } from '../deps';
import type { DemoMailbox } from './mailbox';

const RECIPIENT = 'it-team@guardmail.demo';

/** A browser worth an alert: an extension that can debug every tab, loaded in developer mode, and Safe Browsing off. */
function sampleReport(): ComplianceReport {
  return {
    reportId: randomUUID(),
    deviceId: 'demo-device-0001',
    deviceLabel: 'Demo laptop (sample)',
    collectedAt: new Date().toISOString(),
    browser: { name: 'Chrome', version: '131.0.6778.85' },
    os: { platform: 'win', version: '15.0.0' },
    extensions: [
      {
        id: 'abcdefghijklmnopabcdefghijklmnop',
        name: 'Tab Inspector',
        version: '0.3',
        enabled: true,
        installType: 'development',
        permissions: ['debugger', 'tabs'],
        hostPermissions: ['<all_urls>'],
      },
    ],
    settings: [{ name: 'services.safeBrowsingEnabled', value: false, locked: false }],
  };
}

/**
 * Points the relay at its demo mailbox, sends alerts there at once, and raises one sample alert, so a newcomer with
 * no mail server sees an alert arrive within seconds.
 */
export async function prepareDemo(deps: AppDeps, mailbox: DemoMailbox): Promise<void> {
  await deps.mailSettings.save(
    v.parse(MailSettingsInput, {
      authType: 'basic',
      provider: 'custom',
      host: '127.0.0.1',
      port: mailbox.port,
      emailType: 'smtp',
      tls: false,
      requiresAuth: false,
      senderName: 'Guardmail demo',
      senderAddress: 'alerts@guardmail.demo',
      testAddress: RECIPIENT,
    }),
  );
  await deps.policy.save(v.parse(AlertPolicy, { ...deps.policy.get(), recipients: [RECIPIENT], groupingWindowSeconds: 0, cooldownMinutes: 0 }));
  const { alerted } = await deps.fleet.submit(sampleReport(), deps.policy.get(), Date.now());
  if (alerted) void deps.worker.wake();
}
