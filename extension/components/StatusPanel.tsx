import { useEffect, useState } from 'preact/hooks';
import { LEVELS } from '../../shared/alert-policy';
import type { AuditEntry, StatusAnswer } from '../../shared/api';
import { needsConsent, type TestMailResult } from '../../shared/mail-settings';
import { sendsAsAnother } from '../../shared/oauth';
import type { UiKey } from '../../shared/locales/en';
import type { AnyErrorCode } from '../utils/client-errors';
import { lang, t } from '../utils/i18n';
import { logFailure } from '../utils/log';
import { ask } from '../utils/protocol';
import type { ConsentState } from '../utils/storage';
import { needsAttention, type TabId } from './attention';
import { ErrorBox } from './ErrorBox';
import { useAction } from './use-action';
import { useMay } from './role';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang) : t('never'));

export const TAB_NAMES: Record<TabId, UiKey> = { status: 'tabStatus', mail: 'tabMail', alerts: 'tabAlerts', extensions: 'tabExtensions', fleet: 'tabFleet' };

interface Props {
  status: StatusAnswer;
  consent: ConsentState;
  onRefresh: () => void;
  onTab: (tab: TabId) => void;
}

/**
 * The view the popup opens on: what needs the admin (each with the tab that fixes it), whether mail goes out, how many
 * alerts wait; the test mail and Re-authorize.
 */
export function StatusPanel({ status, consent, onRefresh, onTab }: Props) {
  const may = useMay();
  const { busy, error, run: act } = useAction();
  const [result, setResult] = useState<TestMailResult | null>(null);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  useEffect(() => {
    ask({ type: 'audit/get' }).then((a) => setAudit(a.entries), logFailure('reading the audit log'));
  }, [status]);

  const run = async (work: () => Promise<void>) => {
    setResult(null);
    await act(work);
    onRefresh();
  };
  const sendTest = () => run(async () => setResult(await ask({ type: 'test/send' })));
  const reauthorize = () => run(async () => void (await ask({ type: 'consent/start' })));

  const { mail, oauth, delivery, fleet } = status;
  const delegated = mail.configured && needsConsent(mail);
  const appOnly = mail.configured && mail.authType === 'oauth' && !delegated;
  const attention = needsAttention(status);
  const browsers = LEVELS.reduce((n, l) => n + fleet.counts[l], 0);
  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading" class="sr-only">
        {t('statusHeading')}
      </h2>
      <p id="acting-as" class="hint">
        {t('actingAs', { name: status.admin.name, role: status.admin.role })}
      </p>
      {attention.length === 0 && !delivery.delayed ? (
        <p class="ok" id="attention-none">
          {t('attentionNone')}
        </p>
      ) : (
        <ul class="attention" id="attention" aria-label={t('attentionHeading')}>
          {attention.map((a) => (
            <li key={a.kind} id={`attention-${a.kind}`} class="warn">
              {t(`attention_${a.kind}`, a.params)}
              {a.tab !== 'status' && (
                <>
                  {' '}
                  <button type="button" class="link" onClick={() => onTab(a.tab)}>
                    {t('goTo', { tab: t(TAB_NAMES[a.tab]) })}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {delivery.delayed && (
        <div id="delivery-delayed">
          <p class="warn">{t('deliveryDelayed', { since: when(delivery.delayed.since) })}</p>
          <ErrorBox
            error={{
              code: delivery.delayed.code as AnyErrorCode,
              message: delivery.delayed.message,
              hint: delivery.delayed.hint,
              ...(delivery.delayed.detail ? { serverResponse: delivery.delayed.detail } : {}),
            }}
          />
        </div>
      )}
      <dl id="health">
        <dt>{t('statusServer')}</dt>
        <dd id="destination">{mail.configured ? mail.destination : t('notConfigured')}</dd>
        {appOnly && (
          <dd class="note" id="app-only">
            {t('statusAppOnly')}
          </dd>
        )}
        {oauth && (
          <>
            <dt>{t('statusAccount')}</dt>
            <dd id="account">{oauth.account ?? t('accountUnnamed')}</dd>
            {mail.configured && mail.senderAddress && sendsAsAnother(oauth.account, mail.senderAddress) && (
              <dd class="warn" id="sends-as">
                {t('sendsAsAnother', { account: oauth.account!, sender: mail.senderAddress })}
              </dd>
            )}
            {!oauth.reauthRequired && (
              <>
                <dt>{t('statusTokenExpiry')}</dt>
                <dd>
                  {when(oauth.accessTokenExpiresAt)} — <span class="help">{t('statusAutoRefresh')}</span>
                </dd>
              </>
            )}
          </>
        )}
        <dt>{t('statusLastDelivery')}</dt>
        <dd>{when(delivery.lastDeliveredAt)}</dd>
        {delivery.lastFailure && (
          <>
            <dt>{t('statusLastFailure')}</dt>
            <dd>
              {delivery.lastFailure.code} — {when(delivery.lastFailure.at)}
            </dd>
          </>
        )}
        <dt>{t('pendingAlerts')}</dt>
        <dd id="alerts-waiting">{fleet.outbox.pending}</dd>
        <dt>{t('statusBrowsers')}</dt>
        <dd id="browsers">{t('statusBrowsersValue', { count: browsers, risky: fleet.counts.very_high + fleet.counts.high })}</dd>
      </dl>
      <div class="actions">
        {may('operator') && (
          <button type="button" id="send-test" onClick={() => void sendTest()} disabled={busy || !mail.configured}>
            {busy ? t('sending') : t('sendTest')}
          </button>
        )}
        {delegated && may('owner') && (
          <button type="button" id="reauthorize" onClick={() => void reauthorize()} disabled={busy || consent.phase === 'running'}>
            {t('reauthorize')}
          </button>
        )}
        <button type="button" onClick={onRefresh}>
          {t('refresh')}
        </button>
      </div>
      <div aria-live="polite">
        {result && (
          <p class="ok" id="test-result">
            {t('testSent', { to: result.to, answer: result.serverResponse })}
          </p>
        )}
        {error && <ErrorBox error={error} />}
      </div>
      {audit.length > 0 && (
        <details class="audit">
          <summary>{t('auditHeading')}</summary>
          <ul id="audit">
            {audit.map((e) => (
              <li key={e.id}>
                {when(e.at)} — {t(`audit_${e.action}` as UiKey)}
                {e.actor && ` · ${t('auditBy', { actor: e.actor, role: e.role ?? '' })}`}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
