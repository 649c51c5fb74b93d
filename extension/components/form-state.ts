import * as v from 'valibot';
import { MailSettingsInput, SECRET_FIELDS, type MailSettingsParsed, type MailSettingsView, type Transport } from '../../shared/mail-settings';
import { offers, presetFields, type OAuthGrant, type ProviderId } from '../../shared/presets';

/**
 * The form as the admin edits it, derived from the relay's schema: every field present, numbers as the text typed, and
 * secrets as text where empty means "keep the saved one".
 */
export type FormState = { [K in keyof MailSettingsParsed]-?: FormValue<MailSettingsParsed[K]> };
type FormValue<T> = [Exclude<T, null | undefined>] extends [number] ? string : Exclude<T, null | undefined>;

export type FieldErrors = Partial<Record<keyof FormState | string, string>>;

export function emptyForm(): FormState {
  return {
    transport: 'smtp',
    provider: 'custom',
    tenant: '',
    authType: 'oauth',
    oauthGrant: 'authorization_code',
    apiUrl: '',
    host: '',
    port: '465',
    emailType: 'smtps',
    tls: true,
    senderName: 'Guardmail',
    senderAddress: '',
    testAddress: '',
    requiresAuth: true,
    username: '',
    password: '',
    allowInsecureAuth: false,
    caCertificate: '',
    clientId: '',
    clientSecret: '',
    clientCertificate: '',
    clientPrivateKey: '',
    authorizationUrl: '',
    tokenUrl: '',
    scope: '',
    authorizeParams: '',
    clientAuthMethod: 'client_secret_basic',
    proxyUrl: '',
    proxyUsername: '',
    proxyPassword: '',
    allowInsecureProxyAuth: false,
  };
}

/** The form for saved settings; secrets stay empty, the view says only whether each is set. */
export function formFromView(view: MailSettingsView): FormState {
  const settings: Partial<MailSettingsView> = { ...view };
  delete settings.secretsSet;
  return { ...emptyForm(), ...settings, port: String(view.port), password: '', clientSecret: '', clientPrivateKey: '', proxyPassword: '' };
}

/**
 * Applies a provider preset for a transport and grant: it fills the server or API, endpoints and scope; every field
 * stays editable afterwards. A transport or grant the provider does not offer falls back to what it does.
 */
export function applyPreset(form: FormState, provider: ProviderId, choice: { tenant?: string; transport?: Transport; grant?: OAuthGrant } = {}): FormState {
  const tenant = choice.tenant ?? form.tenant;
  const transport = offers(provider, choice.transport ?? form.transport) ? (choice.transport ?? form.transport) : 'smtp';
  const grant = offers(provider, transport, choice.grant ?? form.oauthGrant) ? (choice.grant ?? form.oauthGrant) : 'authorization_code';
  const fields = presetFields(provider, tenant, transport, grant);
  // The APIs take only OAuth tokens.
  const authType = transport === 'smtp' ? form.authType : 'oauth';
  const server = transport === 'smtp' ? { ...fields, port: String(fields.port ?? form.port) } : { ...fields, host: form.host, port: form.port };
  return { ...form, provider, tenant, authType, ...server } as FormState;
}

/** Which permissions the admin grants for these settings, and where: a UI key, or null when there is nothing to say. */
export function permissionsHelp(form: Pick<FormState, 'provider' | 'transport' | 'oauthGrant' | 'authType'>) {
  if (form.authType !== 'oauth') return null;
  const appOnly = form.oauthGrant === 'client_credentials';
  if (form.transport === 'graph') return appOnly ? 'permissionsGraphApp' : 'permissionsGraphDelegated';
  if (form.transport === 'gmail-api') return 'permissionsGmailApi';
  if (form.provider === 'microsoft') return appOnly ? 'permissionsSmtpApp' : 'permissionsSmtpDelegated';
  if (form.provider === 'google') return 'permissionsGmailSmtp';
  return null;
}

/** What the relay receives: numbers as numbers, and an empty secret omitted so the saved one is kept. */
export function toInput(form: FormState): Record<string, unknown> {
  const kept = Object.entries(form).filter(([key, value]) => !((SECRET_FIELDS as readonly string[]).includes(key) && value === ''));
  return { ...Object.fromEntries(kept), port: form.port.trim() === '' ? Number.NaN : Number(form.port) };
}

/** Validates with the relay's own schema, field by field, as the admin types. */
export function validate(form: FormState): FieldErrors {
  const result = v.safeParse(MailSettingsInput, toInput(form));
  if (result.success) return {};
  const errors: FieldErrors = {};
  for (const issue of result.issues) {
    const field = v.getDotPath(issue) ?? '(body)';
    errors[field] ??= issue.message;
  }
  return errors;
}
