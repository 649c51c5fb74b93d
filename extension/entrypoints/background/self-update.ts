import { browser } from 'wxt/browser';
import { compareVersions } from '../../../shared/checks/browser-version';

type UpdateCheck = { status: 'throttled' | 'no_update' | 'update_available'; version?: string };
type ChromeRuntime = { requestUpdateCheck?: () => Promise<UpdateCheck> };

/** The version last asked for: one check per version the relay announces, not one per report. */
let requested: string | null = null;

/**
 * The relay serves a newer build than this one: ask the browser to fetch it now, rather than at its own next check
 * hours away. The browser installs it and restarts the extension (see onUpdateAvailable in index.ts). Firefox has no
 * such call: it reads the relay's updates.json, which its XPI's manifest names, at its own pace (once a day by default,
 * extensions.update.interval), and is left alone here.
 */
export async function updateIfBehind(served: string): Promise<void> {
  if (served === requested || compareVersions(served, browser.runtime.getManifest().version) <= 0) return;
  const runtime = (globalThis as { chrome?: { runtime?: ChromeRuntime } }).chrome?.runtime;
  if (!runtime?.requestUpdateCheck) return;
  requested = served;
  await runtime.requestUpdateCheck();
}
