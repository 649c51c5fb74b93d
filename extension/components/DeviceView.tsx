import { useEffect, useRef, useState } from 'preact/hooks';
import { ruleRefs } from '../../shared/checks/setting';
import { findingKey } from '../../shared/checks/types';
import { REFUSAL_REASONS, type DeviceAlert, type DeviceDetail } from '../../shared/fleet';
import { consoleUi } from '../../shared/locales/en-console';
import { lang, partTexts, t as ui } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { LevelBadge } from './Findings';
import { useMay } from './role';
import { shownError, useAction } from './use-action';

const t = partTexts('consoleUi', consoleUi);
const when = (iso: string) => new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });

/** An alert about the device; the one the admin came from says so, with which of its findings are fixed since. */
function AlertItem({ alert, current, from }: { alert: DeviceAlert; current: ReadonlySet<string>; from: boolean }) {
  return (
    <li id={`alert-${alert.reportId}`} class={from ? 'from-alert' : undefined}>
      {t('alertEntry', {
        at: when(alert.sentAt ?? alert.createdAt),
        level: alert.level ? ui(`level_${alert.level}`) : '?',
        state: t(`alertState_${alert.state}`),
      })}
      {from && <strong> — {t('fromAlert')}</strong>}
      {from && (
        <ul>
          {alert.findings.map((f) => (
            <li key={findingKey(f)}>
              {f.title[lang]} — <em>{current.has(findingKey(f)) ? t('alertStill') : t('alertFixed')}</em>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** One device whole: what is wrong and what to do, its extensions, its key, its history, the alerts sent, and forgetting it. */
export function DeviceView({
  deviceId,
  fromAlert,
  onClose,
  onForgotten,
}: {
  deviceId: string;
  fromAlert: string | null;
  onClose: () => void;
  onForgotten: () => void;
}) {
  const may = useMay();
  const [detail, setDetail] = useState<DeviceDetail | null>(null);
  const { busy, error, setError, run } = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ask({ type: 'devices/get', deviceId }).then(
      (d) => {
        setDetail(d);
        requestAnimationFrame(() => heading.current?.focus());
      },
      (err: unknown) => setError(shownError(err)),
    );
  }, [deviceId, setError]);
  const forget = () =>
    run(async () => {
      await ask({ type: 'device/forget', deviceId });
      onForgotten();
    });
  const close = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onClose();
  };
  const d = detail?.device;
  const current = new Set(d?.findings.map(findingKey));
  return (
    <aside class="device-detail" aria-labelledby="device-heading" onKeyDown={close}>
      <div class="detail-head">
        <h3 id="device-heading" tabIndex={-1} ref={heading}>
          {t('detailHeading', { label: d?.label ?? deviceId })}
        </h3>
        <button type="button" class="secondary" id="close-detail" onClick={onClose}>
          {t('closeDetail')}
        </button>
      </div>
      {error && <ErrorBox error={error} />}
      {detail && d && (
        <>
          <p>
            <LevelBadge level={d.level} />
            {d.stoppedReporting && <span class="warn"> · {ui('stoppedReporting')}</span>}
          </p>
          <dl class="facts">
            <dt>{t('deviceIdLabel')}</dt>
            <dd>
              <code>{d.id}</code>
            </dd>
            <dt>{t('browserOs')}</dt>
            <dd>
              {d.browser} {d.version} · {d.os}
            </dd>
            <dt>{t('firstSeen')}</dt>
            <dd>{when(d.firstSeenAt)}</dd>
            <dt>{t('lastSeen')}</dt>
            <dd>{when(d.lastSeenAt)}</dd>
            <dt>{t('keyLabel')}</dt>
            <dd>
              {detail.key.thumbprint
                ? t('keySigned', { thumbprint: detail.key.thumbprint.slice(0, 16), at: detail.key.lastSignedAt ? when(detail.key.lastSignedAt) : '–' })
                : t('keyNone')}
            </dd>
            {d.refusals && (
              <>
                <dt>{t('refusedLabel')}</dt>
                <dd>
                  {REFUSAL_REASONS.filter((r) => d.refusals?.[r])
                    .map((r) => `${ui(`refusal_${r}`)} (${when(d.refusals![r]!)})`)
                    .join(', ')}
                </dd>
              </>
            )}
          </dl>
          {d.sameIdAs && <p class="warn">{t('sameIdLabel', { id: d.sameIdAs })}</p>}
          <h4>{t('findingsHeading')}</h4>
          {d.findings.length === 0 ? (
            <p>{ui('noFindings')}</p>
          ) : (
            <ul class="findings" id="device-findings">
              {d.findings.map((f) => (
                <li key={findingKey(f)} class={`severity-${f.severity}`}>
                  <strong>{f.title[lang]}</strong>
                  <br />
                  {f.remediation[lang]}
                  {detail.rules[f.check] && (
                    <div class="help">
                      {t('rulesLabel')}: {ruleRefs(detail.rules[f.check]!)}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h4>{t('extensionsHeading')}</h4>
          {detail.extensions.length === 0 ? (
            <p>{t('extensionsNone')}</p>
          ) : (
            <ul class="device-extensions">
              {detail.extensions.map((e) => (
                <li key={e.id}>
                  {e.name} {e.version}{' '}
                  <span class={`risk risk-${e.risk.level.toLowerCase()}`}>{t('extensionRisk', { score: e.risk.score, level: e.risk.level })}</span>
                  {!e.enabled && <span class="muted"> · {t('extensionDisabled')}</span>}
                  <div class="help">
                    <code>{e.id}</code> · {e.installType}
                  </div>
                </li>
              ))}
            </ul>
          )}
          <h4>{t('historyHeading')}</h4>
          <ul class="history">
            {detail.history.map((h) => (
              <li key={h.at}>{t('historyEntry', { at: when(h.at), level: ui(`level_${h.level}`), count: h.findings })}</li>
            ))}
          </ul>
          <h4>{t('alertsHeading')}</h4>
          {detail.alerts.length === 0 ? (
            <p>{t('alertsNone')}</p>
          ) : (
            <ul class="device-alerts">
              {detail.alerts.map((a) => (
                <AlertItem key={a.id} alert={a} current={current} from={String(a.id) === fromAlert} />
              ))}
            </ul>
          )}
          {may('operator') && (
            <button type="button" id="forget-this-device" disabled={busy} onClick={() => void forget()}>
              {t('forgetThis')}
            </button>
          )}
        </>
      )}
    </aside>
  );
}
