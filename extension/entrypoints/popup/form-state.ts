import * as v from 'valibot';
import { MailSettingsInput, SECRET_FIELDS, type MailSettingsView } from '../../../shared/mail-settings';
import { presetFields, type ProviderId } from '../../../shared/presets';

/** The form as the admin edits it: text for every input, and empty secrets meaning "keep the saved one". */
export interface FormState {
  provider: ProviderId;
  tenant: string;
  authType: 'oauth' | 'basic';
  host: string;
  port: string;
  emailType: 'smtps' | 'smtp';
  tls: boolean;
  senderName: string;
  senderAddress: string;
  testAddress: string;
  requiresAuth: boolean;
  username: string;
  password: string;
  allowInsecureAuth: boolean;
  caCertificate: string;
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  scope: string;
  authorizeParams: string;
  clientAuthMethod: 'client_secret_post' | 'client_secret_basic' | 'none';
  proxyUrl: string;
  proxyUsername: string;
  proxyPassword: string;
  allowInsecureProxyAuth: boolean;
}

export type FieldErrors = Partial<Record<keyof FormState | string, string>>;

export function emptyForm(): FormState {
  return {
    provider: 'custom', tenant: '', authType: 'oauth', host: '', port: '465', emailType: 'smtps', tls: true, senderName: 'Guardmail',
    senderAddress: '', testAddress: '', requiresAuth: true, username: '', password: '', allowInsecureAuth: false, caCertificate: '',
    clientId: '', clientSecret: '', authorizationUrl: '', tokenUrl: '', scope: '', authorizeParams: '', clientAuthMethod: 'client_secret_basic',
    proxyUrl: '', proxyUsername: '', proxyPassword: '', allowInsecureProxyAuth: false,
  };
}

/** The form for saved settings; secrets stay empty, the view says only whether each is set. */
export function formFromView(view: MailSettingsView): FormState {
  const settings: Partial<MailSettingsView> = { ...view };
  delete settings.secretsSet;
  return { ...emptyForm(), ...settings, port: String(view.port), password: '', clientSecret: '', proxyPassword: '' };
}

/** Applies a provider preset: it fills the server, endpoints and scope; every field stays editable afterwards. */
export function applyPreset(form: FormState, provider: ProviderId, tenant = form.tenant): FormState {
  const fields = presetFields(provider, tenant);
  return { ...form, provider, tenant, ...fields, port: String(fields.port ?? form.port) } as FormState;
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
