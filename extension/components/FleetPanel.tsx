import { LEVELS } from '../../shared/alert-policy';
import type { StatusAnswer } from '../../shared/api';
import { REFUSAL_REASONS, type DevicesAnswer } from '../../shared/fleet';
import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { logFailure } from '../utils/log';
import { lang, t } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { DeviceActions } from './DeviceActions';
import { ErrorBox } from './ErrorBox';
import { LevelBadge } from './Findings';
import { useAction } from './use-action';
import { useMay } from './role';

const SOURCE_NAMES: Record<string, string> = { chrome: 'Chrome', edge: 'Edge', firefox: 'Firefox', kev: 'CISA KEV' };

/** What browser versions are judged against, and how old that data is. */
function ReleaseBasis({ data }: { data: StatusAnswer['releaseData'] }) {
  const sources = data.sources
    .map((s) =>
      s.fetchedAt
        ? t('releaseFetched', { source: SOURCE_NAMES[s.source] ?? s.source, at: new Date(s.fetchedAt).toLocaleString(lang) })
        : t('releaseMissing', { source: SOURCE_NAMES[s.source] ?? s.source }),
    )
    .join('; ');
  return (
    <div id="release-basis">
      <p>{data.basis === 'vendor' ? t('releaseBasisVendor', { sources }) : t('releaseBasisFleet')}</p>
      {data.stale && <p class="warn">{t('releaseStale')}</p>}
    </div>
  );
}

/** Opens the options page's console at a device, or at the whole list. */
function openConsole(deviceId?: string): void {
  const search = deviceId ? `?${new URLSearchParams({ device: deviceId }).toString()}` : '';
  void browser.tabs.create({ url: browser.runtime.getURL(`/options.html${search}#fleet`) }).then(() => window.close(), logFailure('opening the console'));
}

/**
 * Counts per level as a small bar chart, the outbox with a retry for failed alerts, and the most vulnerable devices,
 * each a link into the console. Beside the console (`console`), the outbox and release data only.
 */
export function FleetPanel({
  fleet,
  status,
  onChanged,
  console: beside,
}: {
  fleet: DevicesAnswer;
  status: StatusAnswer | null;
  onChanged: () => void;
  console?: boolean;
}) {
  const may = useMay();
  const [deviceId, setDeviceId] = useState('');
  const { busy: retrying, error, run } = useAction();
  const retry = () =>
    run(async () => {
      await ask({ type: 'alerts/retry' });
      onChanged();
    });
  const counts = status?.fleet.counts ?? { very_high: 0, high: 0, low: 0, secure: 0 };
  const max = Math.max(1, ...LEVELS.map((l) => counts[l]));
  const total = LEVELS.reduce((n, l) => n + counts[l], 0);
  return (
    <section aria-labelledby="fleet-heading">
      <h2 id="fleet-heading" class="sr-only">
        {t('fleetHeading')}
      </h2>
      {beside ? null : total === 0 ? (
        <p>{t('noDevices')}</p>
      ) : (
        <>
          <figure class="chart" aria-labelledby="fleet-chart">
            <figcaption id="fleet-chart">{t('fleetChart')}</figcaption>
            {LEVELS.map((l) => (
              <div class="bar-row" key={l}>
                <span class="bar-label">{t(`level_${l}`)}</span>
                <span class={`bar level-${l}`} style={{ width: `${(counts[l] / max) * 60}%` }} />
                <span class="bar-count" id={`count-${l}`}>
                  {counts[l]}
                </span>
              </div>
            ))}
          </figure>
          <h3>{t('mostVulnerable')}</h3>
          <ul class="devices">
            {fleet.devices.map((d) => (
              <li key={d.id}>
                <button type="button" class="link" data-id={d.id} title={t('openDevice', { label: d.label })} onClick={() => openConsole(d.id)}>
                  {d.label}
                </button>{' '}
                — {d.browser} {d.version} — <LevelBadge level={d.level} /> —{' '}
                {d.findingCount === 1 ? t('findingsOne') : t('findingsCount', { count: d.findingCount })}
                {d.stoppedReporting && <span class="warn"> — {t('stoppedReporting')}</span>}
                {d.sameIdAs && <span class="warn"> — {t('sameIdAs')}</span>}
                {d.refusals && (
                  <span class="warn">
                    {' '}
                    —{' '}
                    {t('reportsRefused', {
                      reasons: REFUSAL_REASONS.filter((r) => d.refusals?.[r])
                        .map((r) => t(`refusal_${r}`))
                        .join(', '),
                    })}
                  </span>
                )}
              </li>
            ))}
          </ul>
          <p>
            <button type="button" class="link" id="open-console" onClick={() => openConsole()}>
              {t('openConsole')}
            </button>
          </p>
          <DeviceActions deviceId={deviceId} onDeviceId={setDeviceId} onDone={onChanged} />
        </>
      )}
      {status && (
        <dl>
          <dt>{t('pendingAlerts')}</dt>
          <dd>{status.fleet.outbox.pending}</dd>
          <dt>{t('failedAlerts')}</dt>
          <dd id="failed-alerts">{status.fleet.outbox.failed}</dd>
          <dt>{t('stoppedReportingCount')}</dt>
          <dd id="stopped-reporting">{status.fleet.stoppedReporting}</dd>
        </dl>
      )}
      {status && <ReleaseBasis data={status.releaseData} />}
      {status && status.fleet.outbox.failed > 0 && may('operator') && (
        <button type="button" id="retry-alerts" onClick={() => void retry()} disabled={retrying}>
          {t('retryFailedAlerts')}
        </button>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}
