import type { ExtensionsAnswer } from '../../../shared/inventory';
import { browser } from 'wxt/browser';
import { DEFAULT_POLICY, type AlertPolicy } from '../../../shared/alert-policy';
import { API_PREFIX, ENROLLMENT_TOKEN_HEADER, type ApiTokenView, type AuditAnswer, type DeploymentAnswer, type StatusAnswer } from '../../../shared/api';
import type { ApiTokenCreated } from '../../../shared/api-token';
import { evaluate, withPolicy } from '../../../shared/checks/index';
import type { DeviceCounts, DeviceDetail, DevicesAnswer, RetryAnswer } from '../../../shared/fleet';
import { needsConsent, type MailSettingsView, type TestMailResult } from '../../../shared/mail-settings';
import { ClientError } from '../../utils/client-errors';
import type { Reply, Request, Responses } from '../../utils/protocol';
import { relayDownload, relayFetch } from '../../utils/relay-client';
import { consentItem, lastVerdictItem } from '../../utils/storage';
import { collectReport } from './collect';
import { connectionView, requireConnection, saveConnection, signIn, signOut } from './connection';
import { startConsent } from './consent';
import { deviceId, enrollment } from './reporting';

type Handlers = { [K in Request['type']]: (request: Extract<Request, { type: K }>) => Promise<Responses[K]> };

const handlers: Handlers = {
  'connection/get': () => connectionView(),
  'connection/save': (r) => saveConnection(r.relayUrl, r.adminToken),
  'signin/start': (r) => signIn(r.relayUrl),
  'signin/out': () => signOut(),
  'settings/get': async () => {
    const c = await requireConnection();
    return relayFetch<MailSettingsView | null>(c.relayUrl, `${API_PREFIX}/mail-settings`, { token: c.adminToken });
  },
  'settings/save': async (r) => {
    const c = await requireConnection();
    const settings = await relayFetch<MailSettingsView>(c.relayUrl, `${API_PREFIX}/mail-settings`, { method: 'PUT', token: c.adminToken, body: r.input });
    if (!needsConsent(settings)) return { settings, consentStarted: false };
    // Save opens the consent window only when no account is connected (or it needs re-authorization).
    const status = await relayFetch<StatusAnswer>(c.relayUrl, `${API_PREFIX}/status`, { token: c.adminToken });
    const consentStarted = !status.oauth || status.oauth.reauthRequired;
    if (consentStarted) startConsent(c);
    return { settings, consentStarted };
  },
  'consent/get': () => consentItem.getValue(),
  'consent/start': async () => {
    startConsent(await requireConnection());
    return null;
  },
  'test/send': async (r) => {
    const c = await requireConnection();
    return relayFetch<TestMailResult>(c.relayUrl, `${API_PREFIX}/mail-settings/test`, {
      method: 'POST',
      token: c.adminToken,
      body: r.to ? { to: r.to } : {},
      timeoutMs: 60_000,
    });
  },
  'status/get': async () => {
    const c = await requireConnection();
    return relayFetch<StatusAnswer>(c.relayUrl, `${API_PREFIX}/status`, { token: c.adminToken });
  },
  'browser/get': async () => {
    const [enrolled, verdict, facts] = await Promise.all([enrollment(), lastVerdictItem.getValue(), collectReport(await deviceId(), '')]);
    return {
      enrolled: enrolled !== null,
      relayUrl: enrolled?.relayUrl ?? null,
      verdict,
      local: evaluate(facts, withPolicy(DEFAULT_POLICY, new Map(), browser.runtime.id)),
      browser: `${facts.browser.name} ${facts.browser.version}`,
    };
  },
  'policy/get': async () => {
    const c = await requireConnection();
    return relayFetch<AlertPolicy>(c.relayUrl, `${API_PREFIX}/alert-policy`, { token: c.adminToken });
  },
  'policy/save': async (r) => {
    const c = await requireConnection();
    return relayFetch<AlertPolicy>(c.relayUrl, `${API_PREFIX}/alert-policy`, { method: 'PUT', token: c.adminToken, body: r.policy });
  },
  'audit/get': async () => {
    const c = await requireConnection();
    return relayFetch<AuditAnswer>(c.relayUrl, `${API_PREFIX}/audit?limit=5`, { token: c.adminToken });
  },
  'alerts/retry': async () => {
    const c = await requireConnection();
    return relayFetch<RetryAnswer>(c.relayUrl, `${API_PREFIX}/alerts/retry`, { method: 'POST', token: c.adminToken, body: {} });
  },
  'device/forget': async (r) => {
    const c = await requireConnection();
    await relayFetch(c.relayUrl, `${API_PREFIX}/devices/${encodeURIComponent(r.deviceId)}`, { method: 'DELETE', token: c.adminToken });
    return null;
  },
  'extensions/get': async () => {
    const c = await requireConnection();
    return relayFetch<ExtensionsAnswer>(c.relayUrl, `${API_PREFIX}/extensions?limit=50`, { token: c.adminToken });
  },
  'fleet/get': async () => {
    const c = await requireConnection();
    return relayFetch<DevicesAnswer>(c.relayUrl, `${API_PREFIX}/devices?limit=5`, { token: c.adminToken });
  },
  // The console's query is the filters it names (shared/fleet.ts DEVICE_FILTERS), as parameters: never a path.
  'devices/list': async (r) => {
    const c = await requireConnection();
    return relayFetch<DevicesAnswer>(c.relayUrl, `${API_PREFIX}/devices?${new URLSearchParams(r.query).toString()}`, { token: c.adminToken });
  },
  'devices/counts': async (r) => {
    const c = await requireConnection();
    return relayFetch<DeviceCounts>(c.relayUrl, `${API_PREFIX}/devices/counts?${new URLSearchParams(r.query).toString()}`, { token: c.adminToken });
  },
  'devices/get': async (r) => {
    const c = await requireConnection();
    return relayFetch<DeviceDetail>(c.relayUrl, `${API_PREFIX}/devices/${encodeURIComponent(r.deviceId)}`, { token: c.adminToken });
  },
  'devices/export': async (r) => {
    const c = await requireConnection();
    return relayDownload(c.relayUrl, `${API_PREFIX}/devices/export?${new URLSearchParams(r.query).toString()}`, { token: c.adminToken, timeoutMs: 120_000 });
  },
  'deployment/get': async () => {
    const c = await requireConnection();
    return relayFetch<DeploymentAnswer>(c.relayUrl, `${API_PREFIX}/deployment`, { token: c.adminToken });
  },
  'deployment/policy': async (r) => {
    const c = await requireConnection();
    const enrollmentToken = r.enrollmentToken?.trim();
    return relayDownload(c.relayUrl, `${API_PREFIX}/deployment/policy?${new URLSearchParams({ platform: r.platform, browser: r.browser }).toString()}`, {
      token: c.adminToken,
      headers: enrollmentToken ? { [ENROLLMENT_TOKEN_HEADER]: enrollmentToken } : {},
    });
  },
  'tokens/list': async () => {
    const c = await requireConnection();
    return relayFetch<{ tokens: ApiTokenView[] }>(c.relayUrl, `${API_PREFIX}/tokens`, { token: c.adminToken });
  },
  'tokens/create': async (r) => {
    const c = await requireConnection();
    return relayFetch<ApiTokenCreated>(c.relayUrl, `${API_PREFIX}/tokens`, { method: 'POST', token: c.adminToken, body: r.token });
  },
  'tokens/revoke': async (r) => {
    const c = await requireConnection();
    await relayFetch(c.relayUrl, `${API_PREFIX}/tokens/${r.id}`, { method: 'DELETE', token: c.adminToken });
    return null;
  },
  'sessions/list': async () => {
    const c = await requireConnection();
    return relayFetch<{ sessions: ApiTokenView[] }>(c.relayUrl, `${API_PREFIX}/sessions`, { token: c.adminToken });
  },
  'sessions/end': async (r) => {
    const c = await requireConnection();
    await relayFetch(c.relayUrl, `${API_PREFIX}/sessions/${r.id}`, { method: 'DELETE', token: c.adminToken });
    return null;
  },
};

/** Answers one popup request; every failure becomes a reply the popup can translate. */
export async function handleMessage(request: Request): Promise<Reply<unknown>> {
  const handler = handlers[request?.type] as ((r: Request) => Promise<unknown>) | undefined;
  if (!handler) return { ok: false, error: { code: 'RELAY_BAD_ANSWER', message: `unknown request ${String(request?.type)}` } };
  try {
    return { ok: true, value: await handler(request) };
  } catch (err) {
    return { ok: false, error: err instanceof ClientError ? err.shown : { code: 'INTERNAL', message: String(err) } };
  }
}
