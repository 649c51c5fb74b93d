import { defineBackground } from 'wxt/utils/define-background';
import { browser } from 'wxt/browser';
import { logFailure } from '../../utils/log';
import type { Request } from '../../utils/protocol';
import { resetStaleConsent } from './consent';
import { handleMessage } from './messaging';
import { PRIVACY_SETTINGS } from './collect';
import { REPORT_ALARM, RETRY_ALARM, report, reportSoon, resumePendingChange, schedule } from './reporting';

export default defineBackground(() => {
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    // Only our own pages may drive the relay with the admin token.
    if (sender.id !== browser.runtime.id) return undefined;
    return handleMessage(message as Request);
  });

  const reportNow = () => void schedule().then(report).catch(logFailure('the report'));
  browser.runtime.onInstalled.addListener(reportNow);
  browser.runtime.onStartup.addListener(reportNow);
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === REPORT_ALARM || alarm.name === RETRY_ALARM) void report().catch(logFailure('the scheduled report'));
  });
  // The browser says at once when what the checks read changes: a report follows within seconds, not at the next hour.
  const changed = () => void reportSoon().catch(logFailure('noting a change to report'));
  for (const event of [browser.management.onInstalled, browser.management.onEnabled, browser.management.onDisabled, browser.management.onUninstalled]) {
    (event as { addListener(listener: () => void): void }).addListener(changed);
  }
  const privacy = browser.privacy as unknown as Record<string, Record<string, { onChange?: { addListener(listener: () => void): void } }>>;
  for (const [group, name] of PRIVACY_SETTINGS) privacy[group]?.[name]?.onChange?.addListener(changed);
  // Policy arrives a few seconds after start-up, and may change at any time. Firefox reads it once at start and never
  // fires this (toolkit/components/extensions/parent/ext-storage.js): there a changed policy applies at the next start.
  browser.storage.onChanged.addListener((_, area) => {
    if (area === 'managed') reportNow();
  });
  // A newer build was fetched (updateIfBehind): restart into it now, not when the worker next goes idle. The report
  // queue and every setting are in storage, so nothing is lost.
  browser.runtime.onUpdateAvailable.addListener(() => browser.runtime.reload());
  void resetStaleConsent();
  void resumePendingChange().catch(logFailure('the report of a change noted before the worker stopped'));
});
