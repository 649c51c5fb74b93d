import { useMemo, useState } from 'preact/hooks';
import type { MailSettingsInput, MailSettingsView, Transport } from '../../shared/mail-settings';
import { offers, type OAuthGrant, type ProviderId } from '../../shared/presets';
import { t } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Check, Choice, Field } from './Field';
import { applyPreset, emptyForm, formFromView, permissionsHelp, toInput, validate, type FormState } from './form-state';
import { RedirectUrl } from './RedirectUrl';
import { useAction } from './use-action';
import { ReadOnly } from './ReadOnly';
import { useMay } from './role';

interface Props {
  saved: MailSettingsView | null;
  onSaved: (settings: MailSettingsView, consentStarted: boolean) => void;
}

/** The mail-server page: every field of the product page, validated as the admin types with the relay's schema. */
export function MailSettingsForm({ saved, onSaved }: Props) {
  const may = useMay();
  const [form, setForm] = useState<FormState>(() => (saved ? formFromView(saved) : emptyForm()));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const { busy, error, setError, run } = useAction();
  const [notice, setNotice] = useState('');
  const errors = useMemo(() => validate(form), [form]);
  const shown = (field: keyof FormState) =>
    (submitted || touched.has(field) ? errors[field] : undefined) ?? (error?.field === field ? error.message : undefined);

  const set =
    <K extends keyof FormState>(field: K) =>
    (value: FormState[K]) => {
      setForm((f) => ({ ...f, [field]: value }));
      setTouched((s) => new Set(s).add(field));
    };
  const text = (field: keyof FormState) => ({ id: field, value: String(form[field]), onValue: set(field) as (v: string) => void, error: shown(field) });
  const secretHelp = (field: 'password' | 'clientSecret' | 'clientPrivateKey' | 'proxyPassword') => (saved?.secretsSet[field] ? t('secretSaved') : undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSubmitted(true);
    setNotice('');
    setError(null);
    if (Object.keys(errors).length > 0) {
      setNotice(t('fixFields'));
      const field = document.querySelector<HTMLElement>('#mail-form [aria-invalid="true"]');
      // A field folded away in a closed <details> cannot take the focus: unfold it first.
      field?.closest('details')?.setAttribute('open', '');
      field?.focus();
      return;
    }
    await run(async () => {
      const { settings, consentStarted } = await ask({ type: 'settings/save', input: toInput(form) as MailSettingsInput });
      setForm(formFromView(settings));
      setNotice(consentStarted ? t('consentRunning') : t('saved'));
      onSaved(settings, consentStarted);
    });
  };

  const oauth = form.authType === 'oauth';
  const smtp = form.transport === 'smtp';
  const delegated = form.oauthGrant === 'authorization_code';
  const permissions = permissionsHelp(form);
  const preset = (choice: Parameters<typeof applyPreset>[2]) => setForm((f) => applyPreset(f, f.provider, choice));
  return (
    <form id="mail-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="mail-heading">
      <h2 id="mail-heading" class="sr-only">
        {t('mailServerHeading')}
      </h2>
      <div class="row2">
        <div class="field">
          <label for="provider">{t('provider')}</label>
          <select id="provider" value={form.provider} onChange={(e) => setForm((f) => applyPreset(f, e.currentTarget.value as ProviderId))}>
            <option value="google">{t('providerGoogle')}</option>
            <option value="microsoft">{t('providerMicrosoft')}</option>
            <option value="custom">{t('providerCustom')}</option>
          </select>
        </div>
        <div class="field">
          <label for="transport">{t('transport')}</label>
          <select
            id="transport"
            value={form.transport}
            aria-describedby="transport-help"
            onChange={(e) => preset({ transport: e.currentTarget.value as Transport })}
          >
            <option value="smtp">{t('transportSmtp')}</option>
            {offers(form.provider, 'graph') && <option value="graph">{t('transportGraph')}</option>}
            {offers(form.provider, 'gmail-api') && <option value="gmail-api">{t('transportGmailApi')}</option>}
          </select>
        </div>
      </div>
      {(form.provider === 'microsoft' || !smtp) && (
        <p class="help field-note" id="transport-help">
          {t(smtp ? 'transportSmtpHelp' : 'transportApiHelp')}
        </p>
      )}
      <div class="row2">
        {smtp && (
          <div class="field">
            <label for="authType">{t('authType')}</label>
            <select id="authType" value={form.authType} onChange={(e) => set('authType')(e.currentTarget.value as FormState['authType'])}>
              <option value="oauth">{t('authOAuth')}</option>
              <option value="basic">{t('authBasic')}</option>
            </select>
          </div>
        )}
        {oauth && offers(form.provider, form.transport, 'client_credentials') && (
          <div class="field">
            <label for="oauthGrant">{t('oauthGrant')}</label>
            <select id="oauthGrant" value={form.oauthGrant} onChange={(e) => preset({ grant: e.currentTarget.value as OAuthGrant })}>
              <option value="authorization_code">{t('grantDelegated')}</option>
              <option value="client_credentials">{t('grantAppOnly')}</option>
            </select>
          </div>
        )}
      </div>
      {form.provider === 'microsoft' && <Field {...text('tenant')} label={t('tenant')} help={t('tenantHelp')} onValue={(tenant) => preset({ tenant })} />}
      <div class="row3">
        <Field {...text('senderName')} label={t('senderName')} />
        <Field {...text('senderAddress')} label={t('senderAddress')} type="email" autoComplete="email" />
        <Field {...text('testAddress')} label={t('testAddress')} type="email" />
      </div>

      {oauth ? (
        <>
          {(permissions || delegated) && (
            <details id="permissions">
              <summary>{t('permissionsSummary')}</summary>
              {permissions && (
                <p class="help" id="permissions-help">
                  {t(permissions)}
                </p>
              )}
              {delegated && <p class="help">{t('redirectHelp')}</p>}
            </details>
          )}
          {delegated ? (
            <RedirectUrl help={false} />
          ) : (
            <p class="help field-note" id="no-redirect">
              {t('appOnlyNoRedirect')}
            </p>
          )}
          {form.clientAuthMethod === 'private_key_jwt' ? (
            <>
              <Field {...text('clientId')} label={t('clientId')} />
              <Field {...text('clientCertificate')} label={t('clientCertificate')} help={t('clientCertificateHelp')} multiline />
              <Field {...text('clientPrivateKey')} label={t('clientPrivateKey')} help={secretHelp('clientPrivateKey') ?? t('clientPrivateKeyHelp')} multiline />
            </>
          ) : (
            <div class="row2">
              <Field {...text('clientId')} label={t('clientId')} />
              <Field {...text('clientSecret')} label={t('clientSecret')} type="password" help={secretHelp('clientSecret')} autoComplete="new-password" />
            </div>
          )}
        </>
      ) : (
        <>
          <Check id="requiresAuth" label={t('requiresAuth')} checked={form.requiresAuth} onChecked={set('requiresAuth')} />
          {form.requiresAuth && (
            <div class="row2">
              <Field {...text('username')} label={t('username')} autoComplete="username" />
              <Field {...text('password')} label={t('password')} type="password" help={secretHelp('password')} autoComplete="new-password" />
            </div>
          )}
        </>
      )}

      {(smtp || oauth) && (
        // A provider's preset fills these: folded for Google and Microsoft, open for any other server.
        <details id="endpoints" open={form.provider === 'custom'}>
          <summary>{smtp && form.host ? t('endpointsOf', { server: `${form.host}:${form.port}` }) : t('endpoints')}</summary>
          {smtp && (
            <>
              <div class="row">
                <Field {...text('host')} label={t('host')} />
                <Field {...text('port')} label={t('port')} type="number" />
              </div>
              <Choice
                id="emailType"
                legend={t('emailType')}
                value={form.emailType}
                onValue={set('emailType')}
                inline
                options={[
                  { value: 'smtps', label: t('smtps') },
                  { value: 'smtp', label: t('smtp') },
                ]}
              />
              {form.emailType === 'smtp' && <Check id="tls" label={t('tls')} checked={form.tls} onChecked={set('tls')} error={shown('tls')} />}
            </>
          )}
          {oauth && (
            <>
              {delegated && <Field {...text('authorizationUrl')} label={t('authorizationUrl')} type="url" />}
              <Field {...text('tokenUrl')} label={t('tokenUrl')} type="url" />
              <Field {...text('scope')} label={t('scope')} />
            </>
          )}
        </details>
      )}

      <details id="advanced">
        <summary>{t('advanced')}</summary>
        {!smtp && <Field {...text('apiUrl')} label={t('apiUrl')} type="url" help={t('apiUrlHelp')} />}
        {oauth && (
          <>
            {delegated && <Field {...text('authorizeParams')} label={t('authorizeParams')} />}
            <div class="field">
              <label for="clientAuthMethod">{t('clientAuthMethod')}</label>
              <select
                id="clientAuthMethod"
                value={form.clientAuthMethod}
                onChange={(e) => set('clientAuthMethod')(e.currentTarget.value as FormState['clientAuthMethod'])}
              >
                <option value="client_secret_post">{t('clientSecretPost')}</option>
                <option value="client_secret_basic">{t('clientSecretBasic')}</option>
                <option value="private_key_jwt">{t('clientPrivateKeyJwt')}</option>
                <option value="none">{t('clientNone')}</option>
              </select>
            </div>
            <fieldset>
              <legend>{t('proxyHeading')}</legend>
              <Field {...text('proxyUrl')} label={t('proxyUrl')} type="url" placeholder="http://proxy.example.com:3128" />
              <Field {...text('proxyUsername')} label={t('proxyUsername')} />
              <Field {...text('proxyPassword')} label={t('proxyPassword')} type="password" help={secretHelp('proxyPassword')} autoComplete="new-password" />
              <Check
                id="allowInsecureProxyAuth"
                label={t('allowInsecureProxyAuth')}
                checked={form.allowInsecureProxyAuth}
                onChecked={set('allowInsecureProxyAuth')}
              />
            </fieldset>
          </>
        )}
        <Field {...text('caCertificate')} label={t('caCertificate')} multiline />
        {smtp && form.emailType === 'smtp' && !form.tls && (
          <Check id="allowInsecureAuth" label={t('allowInsecureAuth')} checked={form.allowInsecureAuth} onChecked={set('allowInsecureAuth')} />
        )}
      </details>

      {may('owner') ? (
        <button type="submit" id="save" class="primary" disabled={busy}>
          {busy ? t('saving') : t('save')}
        </button>
      ) : (
        <ReadOnly needed="owner" />
      )}
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
