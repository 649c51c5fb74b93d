import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, StatusAnswer } from '../../../shared/api';
import { needsConsent, type TestMailResult } from '../../../shared/mail-settings';
import { sendsAsAnother } from '../../../shared/oauth';
import type { UiKey } from '../../locales/en';
import { ClientError, type AnyErrorCode, type ShownError } from '../../utils/client-errors';
import { lang, t } from '../../utils/i18n';
import { logFailure } from '../../utils/log';
import { ask } from '../../utils/protocol';
import type { ConsentState } from '../../utils/storage';
import { ErrorBox } from './ErrorBox';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang) : t('never'));

interface Props {
  status: StatusAnswer | null;
  consent: ConsentState;
  onRefresh: () => void;
}

/** Mail server, account, token health, last delivery; the test mail; the consent outcome with Re-authorize. */
export function StatusPanel({ status, consent, onRefresh }: Props) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestMailResult | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  useEffect(() => {
    ask({ type: 'audit/get' }).then((a) => setAudit(a.entries), logFailure('reading the audit log'));
  }, [status]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      await work();
    } catch (err) {
      setError(err instanceof ClientError ? err.shown : { code: 'INTERNAL' });
    } finally {
      setBusy(false);
      onRefresh();
    }
  };
  const sendTest = () => run(async () => setResult(await ask({ type: 'test/send' })));
  const reauthorize = () => run(async () => void (await ask({ type: 'consent/start' })));

  const mail = status?.mail;
  const oauth = status?.oauth;
  const delegated = Boolean(mail?.configured && needsConsent(mail));
  const appOnly = Boolean(mail?.configured && mail.authType === 'oauth' && !delegated);
  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">{t('statusHeading')}</h2>
      <div role="status" aria-live="polite" id="consent">
        {consent.phase === 'running' && <p class="notice">{t('consentRunning')}</p>}
        {consent.phase === 'connected' && <p class="ok">{consent.account ? t('connectedAs', consent.account) : t('connectedUnnamed')}</p>}
        {consent.phase === 'failed' && consent.error && <ErrorBox error={consent.error} />}
      </div>
      {mail?.configured ? (
        <dl>
          <dt>{t('statusServer')}</dt>
          <dd id="destination">{mail.destination}</dd>
          {appOnly && <dd class="note" id="app-only">{t('statusAppOnly')}</dd>}
          {delegated && !oauth && <dd class="warn" id="not-connected">{t('statusNotConnected')}</dd>}
          {oauth && (
            <>
              <dt>{t('statusAccount')}</dt>
              <dd id="account">{oauth.account ?? t('accountUnnamed')}</dd>
              {mail.senderAddress && sendsAsAnother(oauth.account, mail.senderAddress) && (
                <dd class="warn" id="sends-as">{t('sendsAsAnother', oauth.account!, mail.senderAddress)}</dd>
              )}
              {oauth.reauthRequired ? (
                <dd class="warn" id="reauth">{t('statusReauthRequired', oauth.reauthReason ?? '')}</dd>
              ) : (
                <>
                  <dt>{t('statusTokenExpiry')}</dt>
                  <dd>{when(oauth.accessTokenExpiresAt)} — {t('statusAutoRefresh')}</dd>
                </>
              )}
            </>
          )}
          <dt>{t('statusLastDelivery')}</dt>
          <dd>{when(status?.delivery.lastDeliveredAt ?? null)}</dd>
          {status?.delivery.lastFailure && (
            <>
              <dt>{t('statusLastFailure')}</dt>
              <dd>{status.delivery.lastFailure.code} — {when(status.delivery.lastFailure.at)}</dd>
            </>
          )}
        </dl>
      ) : (
        <p>{t('notConfigured')}</p>
      )}
      {status?.delivery.delayed && (
        <div id="delivery-delayed">
          <p class="warn">{t('deliveryDelayed', when(status.delivery.delayed.since))}</p>
          <ErrorBox error={{ code: status.delivery.delayed.code as AnyErrorCode, ...(status.delivery.delayed.detail ? { serverResponse: status.delivery.delayed.detail } : {}) }} />
        </div>
      )}
      <div class="actions">
        <button type="button" id="send-test" onClick={() => void sendTest()} disabled={busy || !mail?.configured}>{busy ? t('sending') : t('sendTest')}</button>
        {delegated && (
          <button type="button" id="reauthorize" onClick={() => void reauthorize()} disabled={busy || consent.phase === 'running'}>{t('reauthorize')}</button>
        )}
        <button type="button" onClick={onRefresh}>{t('refresh')}</button>
      </div>
      {audit.length > 0 && (
        <>
          <h3>{t('auditHeading')}</h3>
          <ul class="audit" id="audit">
            {audit.map((e) => (
              <li key={e.id}>{when(e.at)} — {t(`audit_${e.action}` as UiKey)}</li>
            ))}
          </ul>
        </>
      )}
      <div aria-live="polite">
        {result && <p class="ok" id="test-result">{t('testSent', result.to, result.serverResponse)}</p>}
        {error && <ErrorBox error={error} />}
      </div>
    </section>
  );
}
