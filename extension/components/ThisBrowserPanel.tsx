import { useEffect, useState } from 'preact/hooks';
import { lang, t } from '../utils/i18n';
import { logFailure } from '../utils/log';
import { ask, type ThisBrowserView } from '../utils/protocol';
import { Findings, LevelBadge } from './Findings';

/**
 * For everyone: whether this browser is managed, and what the relay (or the same rules, here) say about it. Compact
 * in the admin's status view: the level on one line, the findings folded.
 */
export function ThisBrowserPanel({ compact = false }: { compact?: boolean }) {
  const [view, setView] = useState<ThisBrowserView | null>(null);
  useEffect(() => {
    void ask({ type: 'browser/get' }).then(setView, logFailure('checking this browser'));
  }, []);
  if (!view) return null;
  const verdict = view.verdict ?? view.local;
  const intro = !view.enrolled
    ? t('notManaged')
    : view.verdict
      ? t('reportsTo', { url: view.relayUrl ?? '', at: new Date(view.verdict.at).toLocaleString(lang) })
      : t('noReportYet', { url: view.relayUrl ?? '' });
  const level = (
    <>
      <LevelBadge level={verdict.level} /> · {verdict.compliant ? t('compliant') : t('nonCompliant')}
    </>
  );
  if (compact) {
    return (
      <details id="this-browser">
        <summary>
          <strong id="browser-heading">{t('thisBrowserHeading')}</strong>: {level}
        </summary>
        <p class="help">{view.browser}</p>
        <p>{intro}</p>
        <Findings findings={verdict.findings} />
      </details>
    );
  }
  return (
    <section aria-labelledby="browser-heading" id="this-browser">
      <h2 id="browser-heading">{t('thisBrowserHeading')}</h2>
      <p class="help">{view.browser}</p>
      <p>{intro}</p>
      <p>{level}</p>
      <Findings findings={verdict.findings} />
    </section>
  );
}
