import { browser } from 'wxt/browser';
import { API_PREFIX } from '../../../shared/api';
import type { AuthorizeAnswer, ConnectedAnswer } from '../../../shared/oauth';
import { ClientError, type ShownError } from '../../utils/client-errors';
import { relayFetch, type Connection } from '../../utils/relay-client';
import type { ConsentChanged } from '../../utils/protocol';
import { consentItem, type ConsentState } from '../../utils/storage';

let running = false;

/** Keeps the consent's state for a page opened later, and tells the pages open now (none may be: that is no error). */
async function setConsent(state: ConsentState): Promise<void> {
  await consentItem.setValue(state);
  await browser.runtime.sendMessage({ type: 'consent/changed', state } satisfies ConsentChanged).catch(() => undefined);
}

/** After a service-worker restart no flow can still be running: a stored "running" is stale. */
export async function resetStaleConsent(): Promise<void> {
  if (!running && (await consentItem.getValue()).phase === 'running') {
    await setConsent({ phase: 'failed', error: { code: 'CONSENT_FAILED' }, at: Date.now() });
  }
}

/**
 * The consent flow (docs/architecture.md, flow 3), run here because the popup closes when the consent window takes focus:
 * ask the relay for the authorization URL, open it with launchWebAuthFlow, hand the final URL back to the relay.
 * The outcome goes to storage, where a page opened later reads it, and to the pages open now. One flow at a time.
 */
export function startConsent(connection: Connection): void {
  if (running) throw new ClientError({ code: 'CONSENT_IN_PROGRESS' });
  running = true;
  void runConsent(connection).finally(() => {
    running = false;
  });
}

async function runConsent(connection: Connection): Promise<void> {
  await setConsent({ phase: 'running', at: Date.now() });
  try {
    const { authorizationUrl } = await relayFetch<AuthorizeAnswer>(connection.relayUrl, `${API_PREFIX}/oauth/authorize`, {
      method: 'POST',
      token: connection.adminToken,
      body: { redirectUrl: browser.identity.getRedirectURL() },
    });
    const callbackUrl = await launch(authorizationUrl);
    const connected = await relayFetch<ConnectedAnswer>(connection.relayUrl, `${API_PREFIX}/oauth/callback`, {
      method: 'POST',
      token: connection.adminToken,
      body: { callbackUrl },
      timeoutMs: 30_000,
    });
    await setConsent({ phase: 'connected', account: connected.account ?? undefined, at: Date.now() });
  } catch (err) {
    const error: ShownError = err instanceof ClientError ? err.shown : { code: 'CONSENT_FAILED', message: String(err) };
    await setConsent({ phase: 'failed', error, at: Date.now() });
  }
}

/**
 * Opens the provider's pages in the browser's auth window (the consent's, or a sign-in's) and answers the URL it ended
 * on. Chromium's two ways such a window ends without a redirect are told apart by their messages.
 */
export async function launch(url: string, closed: 'CONSENT_WINDOW_CLOSED' | 'SIGN_IN_WINDOW_CLOSED' = 'CONSENT_WINDOW_CLOSED'): Promise<string> {
  try {
    const final = await browser.identity.launchWebAuthFlow({ url, interactive: true });
    if (!final) throw new ClientError({ code: 'CONSENT_FAILED' });
    return final;
  } catch (err) {
    if (err instanceof ClientError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (/did not approve/i.test(message)) throw new ClientError({ code: closed });
    if (/could not be loaded/i.test(message)) throw new ClientError({ code: 'CONSENT_PAGE_UNLOADABLE' });
    throw new ClientError({ code: 'CONSENT_FAILED', message });
  }
}
