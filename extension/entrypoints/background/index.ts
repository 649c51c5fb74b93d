import { browser } from 'wxt/browser';
import type { Request } from '../../utils/protocol';
import { resetStaleConsent } from './consent';
import { handleMessage } from './messaging';
import { REPORT_ALARM, report, schedule } from './reporting';

export default defineBackground(() => {
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    // Only our own pages may drive the relay with the admin token.
    if (sender.id !== browser.runtime.id) return undefined;
    return handleMessage(message as Request);
  });

  const reportNow = () => void schedule().then(report).catch(() => undefined);
  browser.runtime.onInstalled.addListener(reportNow);
  browser.runtime.onStartup.addListener(reportNow);
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === REPORT_ALARM) void report().catch(() => undefined);
  });
  // Policy arrives a few seconds after start-up, and may change at any time.
  browser.storage.onChanged.addListener((_, area) => {
    if (area === 'managed') reportNow();
  });
  void resetStaleConsent();
});
