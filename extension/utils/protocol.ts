import type { ExtensionsAnswer } from '../../shared/inventory';
import { browser } from 'wxt/browser';
import type { MailSettingsInput, MailSettingsView, TestMailResult } from '../../shared/mail-settings';
import type { AlertPolicy } from '../../shared/alert-policy';
import type { ApiTokenView, AuditAnswer, DeploymentAnswer, StatusAnswer } from '../../shared/api';
import type { ApiTokenCreated } from '../../shared/api-token';
import type { Verdict } from '../../shared/checks/index';
import type { DeviceCounts, DeviceDetail, DevicesAnswer, ReportAnswer, RetryAnswer } from '../../shared/fleet';
import { ClientError, type ShownError } from './client-errors';
import type { ConsentState } from './storage';

/** What the popup may ask the background, which alone talks to the relay and holds the admin token. */
export type Request =
  | { type: 'connection/get' }
  | { type: 'connection/save'; relayUrl: string; adminToken: string }
  | { type: 'signin/start'; relayUrl: string }
  | { type: 'signin/out' }
  | { type: 'settings/get' }
  | { type: 'settings/save'; input: MailSettingsInput }
  | { type: 'consent/start' }
  | { type: 'consent/get' }
  | { type: 'test/send'; to?: string }
  | { type: 'status/get' }
  | { type: 'browser/get' }
  | { type: 'policy/get' }
  | { type: 'policy/save'; policy: unknown }
  | { type: 'fleet/get' }
  | { type: 'devices/list'; query: Record<string, string> }
  | { type: 'devices/counts'; query: Record<string, string> }
  | { type: 'devices/get'; deviceId: string }
  | { type: 'devices/export'; query: Record<string, string> }
  | { type: 'extensions/get' }
  | { type: 'audit/get' }
  | { type: 'alerts/retry' }
  | { type: 'device/forget'; deviceId: string }
  | { type: 'deployment/get' }
  | { type: 'deployment/policy'; platform: string; browser: 'chromium' | 'firefox'; enrollmentToken?: string }
  | { type: 'tokens/list' }
  | { type: 'tokens/create'; token: unknown }
  | { type: 'tokens/revoke'; id: number }
  | { type: 'sessions/list' }
  | { type: 'sessions/end'; id: number };

/** The "This browser" panel: whether policy enrolled it, the relay's verdict, and the same rules run here. */
export interface ThisBrowserView {
  enrolled: boolean;
  relayUrl: string | null;
  verdict: (ReportAnswer & { at: number }) | null;
  /** The shared rules on this browser with the default policy, so the panel says something even offline. */
  local: Verdict;
  browser: string;
}

/** The connection as the popup may see it: never the token itself. */
export interface ConnectionView {
  /** The relay in use, or last used (a session ended, the admin signs in again). */
  relayUrl: string | null;
  /** Whether the popup has a token or a session for the relay. */
  connected: boolean;
  /** The token's first and last characters, e.g. "gm_adm_…Xk3f"; null when signed in. */
  tokenHint: string | null;
  /** The signed-in admin's name, while their session lasts. */
  signedIn: string | null;
  /** Why the last sign-in failed. */
  signInError: ShownError | null;
  /** The relay URL (and maybe the token) is set by enterprise policy: the popup shows it read-only. */
  managed: boolean;
}

export interface Responses {
  'connection/get': ConnectionView;
  'connection/save': ConnectionView;
  'signin/start': ConnectionView;
  'signin/out': ConnectionView;
  'settings/get': MailSettingsView | null;
  'settings/save': { settings: MailSettingsView; consentStarted: boolean };
  'consent/start': null;
  'consent/get': ConsentState;
  'test/send': TestMailResult;
  'status/get': StatusAnswer;
  'browser/get': ThisBrowserView;
  'policy/get': AlertPolicy;
  'policy/save': AlertPolicy;
  'fleet/get': DevicesAnswer;
  'devices/list': DevicesAnswer;
  'devices/counts': DeviceCounts;
  'devices/get': DeviceDetail;
  'devices/export': { fileName: string; contentType: string; base64: string };
  'extensions/get': ExtensionsAnswer;
  'audit/get': AuditAnswer;
  'alerts/retry': RetryAnswer;
  'device/forget': null;
  'deployment/get': DeploymentAnswer;
  'deployment/policy': { fileName: string; contentType: string; base64: string };
  'tokens/list': { tokens: ApiTokenView[] };
  'tokens/create': ApiTokenCreated;
  'tokens/revoke': null;
  'sessions/list': { sessions: ApiTokenView[] };
  'sessions/end': null;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ShownError };

/** Asks the background and answers its value, or throws the ClientError it replied with. */
export async function ask<R extends Request>(request: R): Promise<Responses[R['type']]> {
  const reply = (await browser.runtime.sendMessage(request)) as Reply<Responses[R['type']]> | undefined;
  if (!reply) throw new ClientError({ code: 'RELAY_BAD_ANSWER' });
  if (!reply.ok) throw new ClientError(reply.error);
  return reply.value;
}

/** What the background tells open pages without being asked: the consent it runs moved on. */
export interface ConsentChanged {
  type: 'consent/changed';
  state: ConsentState;
}

/**
 * Follows the consent the background runs, which may end while a page is open; answers how to stop. The page reads
 * nothing from storage itself: the background owns it.
 */
export function onConsentChanged(listener: (state: ConsentState) => void): () => void {
  const heard = (message: unknown) => {
    if ((message as Partial<ConsentChanged> | null)?.type === 'consent/changed') listener((message as ConsentChanged).state);
  };
  browser.runtime.onMessage.addListener(heard);
  return () => browser.runtime.onMessage.removeListener(heard);
}

/** Masks a token for display: enough to recognise it, never enough to use it. */
export function maskToken(token: string): string {
  return token.length <= 12 ? '••••' : `${token.slice(0, 7)}…${token.slice(-4)}`;
}
