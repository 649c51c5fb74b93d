import type { JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { LEVELS, type Level } from '../../shared/alert-policy';
import { CHECKS } from '../../shared/checks/index';
import { DEVICE_SORTS, type DeviceCounts, type DevicesAnswer, type DeviceSummary } from '../../shared/fleet';
import { consoleUi } from '../../shared/locales/en-console';
import { lang, partTexts, t as ui } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { saveFile } from '../utils/save-file';
import {
  apiQuery,
  askFirst,
  consoleAddress,
  PAGE,
  readConsoleState,
  takeEarly,
  type ConsoleQuery,
  type ConsoleState,
  type FirstAnswers,
} from './console-query';
import { DeviceView } from './DeviceView';
import { ErrorBox } from './ErrorBox';
import { LevelBadge } from './Findings';
import { shownError, useAction } from './use-action';

const t = partTexts('consoleUi', consoleUi);

const when = (iso: string) => new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });

/** A text filter of the form: applied with the others on Enter or Apply, so a list is not asked for at each key. */
function TextFilter({
  name,
  label,
  help,
  query,
  onChange,
}: {
  name: keyof ConsoleQuery;
  label: string;
  help?: string;
  query: ConsoleQuery;
  onChange: (q: ConsoleQuery) => void;
}) {
  return (
    <label class="filter">
      <span>{label}</span>
      <input
        id={`filter-${name}`}
        type="search"
        value={query[name] ?? ''}
        title={help}
        onInput={(e) => onChange({ ...query, [name]: e.currentTarget.value })}
      />
    </label>
  );
}

/** The findings column: the worst finding's title, and how many more. */
function FindingsCell({ d }: { d: DeviceSummary }) {
  const worst = d.findings[0];
  if (!worst) return <span class="muted">{ui('noFindings')}</span>;
  return <>{d.findingCount > 1 ? t('moreFindings', { title: worst.title[lang], count: d.findingCount - 1 }) : worst.title[lang]}</>;
}

/**
 * The options page's Fleet tab: every device in a table that uses the width, its filters and order in the page's
 * address (so a link opens the same list), pages of PAGE devices, arrow keys (or j, k) to move, Enter to open a
 * device's detail, Escape to close it, / to search, and the current list as CSV.
 */
export function FleetConsole({ onChanged }: { onChanged: () => void }) {
  const [state, setState] = useState<ConsoleState>(() => readConsoleState(location.search));
  const [draft, setDraft] = useState<ConsoleQuery>(state.query);
  const [list, setList] = useState<DevicesAnswer | null>(null);
  const [counts, setCounts] = useState<DeviceCounts | null>(null);
  const [at, setAt] = useState(0);
  const [exported, setExported] = useState('');
  const { busy, error, setError, run } = useAction();
  const table = useRef<HTMLTableSectionElement>(null);

  // The page and its counts are asked for together: the table shows as soon as its page is there, whatever counting
  // a large match takes (GET /devices/counts costs the matches; a page, its own rows).
  // Only the latest filters' answers are shown: an older list answered late must not replace a newer one.
  const asked = useRef(0);
  const load = useCallback(
    (query: ConsoleQuery, answers: FirstAnswers = askFirst(query)) => {
      const mine = ++asked.current;
      const current = () => mine === asked.current;
      setCounts(null);
      return Promise.all([
        answers.page.then((page) => {
          if (!current()) return;
          setList(page);
          setAt(0);
        }),
        answers.counts.then((c) => current() && setCounts(c)),
      ]).then(
        () => current() && setError(null),
        (err: unknown) => current() && setError(shownError(err)),
      );
    },
    [setError],
  );
  // The first list may have been asked for as the page started (askEarly).
  const first = useRef(takeEarly());
  useEffect(() => {
    void load(state.query, first.current ?? undefined);
    first.current = null;
  }, [load, state.query]);
  useEffect(() => history.replaceState(null, '', consoleAddress(state)), [state]);
  // "/" searches from anywhere on the page but a field being typed in.
  useEffect(() => {
    const slash = (e: KeyboardEvent) => {
      const field = document.getElementById('filter-q');
      // Not while typing, nor while another tab hides the console.
      if (e.key !== '/' || (e.target as HTMLElement).closest('input, textarea, select') || !field?.offsetParent) return;
      e.preventDefault();
      field.focus();
    };
    document.addEventListener('keydown', slash);
    return () => document.removeEventListener('keydown', slash);
  }, []);

  const apply = (query: ConsoleQuery) => {
    setDraft(query);
    setState((s) => ({ ...s, query }));
  };
  const open = (device: string | null) => setState((s) => ({ ...s, device, alert: device === s.device ? s.alert : null }));
  const more = () =>
    run(async () => {
      if (!list?.next) return;
      const cursor = list.next;
      const page = await ask({ type: 'devices/list', query: { ...apiQuery(state.query), limit: String(PAGE), cursor } });
      // Appended only to the list it follows: the filters may have changed meanwhile.
      setList((shown) => (shown?.next === cursor ? { devices: [...shown.devices, ...page.devices], next: page.next } : shown));
    });
  const exportCsv = () =>
    run(async () => {
      const file = await ask({ type: 'devices/export', query: apiQuery({ ...state.query, sort: undefined }) });
      saveFile(file);
      setExported(file.fileName);
    });

  const focusRow = (i: number) => {
    setAt(i);
    table.current?.querySelectorAll<HTMLElement>('tr')[i]?.focus();
  };
  const keys = (e: JSX.TargetedKeyboardEvent<HTMLTableSectionElement>) => {
    if (!list || list.devices.length === 0) return;
    const move = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, Home: -at, End: list.devices.length - 1 - at }[e.key];
    if (move !== undefined) {
      e.preventDefault();
      focusRow(Math.min(list.devices.length - 1, Math.max(0, at + move)));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      open(list.devices[at]!.id);
    }
  };

  const levels = (draft.level ?? '').split(',').filter((l): l is Level => LEVELS.includes(l as Level));
  const toggleLevel = (level: Level) => apply({ ...draft, level: (levels.includes(level) ? levels.filter((l) => l !== level) : [...levels, level]).join(',') });

  return (
    <section class="console" aria-labelledby="console-heading">
      <h2 id="console-heading">{t('consoleHeading')}</h2>
      <form
        class="filters"
        aria-label={t('filtersLabel')}
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <fieldset class="levels">
          <legend>{t('levelFilter')}</legend>
          {LEVELS.map((level) => (
            <label key={level} class={`level-chip level-${level}`}>
              <input type="checkbox" id={`level-${level}`} checked={levels.includes(level)} onChange={() => toggleLevel(level)} />
              {ui(`level_${level}`)} <span class="count">{counts?.counts[level] ?? '–'}</span>
            </label>
          ))}
        </fieldset>
        <label class="filter search">
          <span>{t('search')}</span>
          <input
            id="filter-q"
            type="search"
            value={draft.q ?? ''}
            title={t('searchHelp')}
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
            onKeyDown={(e) => e.key === 'Escape' && (e.currentTarget.blur(), focusRow(at))}
          />
        </label>
        <label class="filter">
          <span>{t('checkFilter')}</span>
          <select id="filter-check" value={draft.check ?? ''} onChange={(e) => apply({ ...draft, check: e.currentTarget.value, subject: '' })}>
            <option value="">{t('anyCheck')}</option>
            {CHECKS.map((check) => (
              <option key={check.id} value={check.id}>
                {check.summary[lang]}
              </option>
            ))}
          </select>
        </label>
        {draft.check && <TextFilter name="subject" label={t('subjectFilter')} help={t('subjectHelp')} query={draft} onChange={setDraft} />}
        <TextFilter name="browser" label={t('browserFilter')} query={draft} onChange={setDraft} />
        <TextFilter name="version" label={t('versionFilter')} help={t('versionHelp')} query={draft} onChange={setDraft} />
        <TextFilter name="os" label={t('osFilter')} help={t('osHelp')} query={draft} onChange={setDraft} />
        <TextFilter name="extension" label={t('extensionFilter')} query={draft} onChange={setDraft} />
        <label class="filter">
          <span>{t('reportingFilter')}</span>
          <select id="filter-stopped" value={draft.stopped ?? ''} onChange={(e) => apply({ ...draft, stopped: e.currentTarget.value })}>
            <option value="">{t('reportingAny')}</option>
            <option value="true">{t('reportingStopped')}</option>
            <option value="false">{t('reportingActive')}</option>
          </select>
        </label>
        <label class="filter">
          <span>{t('sortLabel')}</span>
          <select id="filter-sort" value={draft.sort ?? 'risk'} onChange={(e) => apply({ ...draft, sort: e.currentTarget.value as ConsoleQuery['sort'] })}>
            {DEVICE_SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`sort_${sort}`)}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit" id="apply-filters">
            {t('applyFilters')}
          </button>
          <button type="button" class="secondary" onClick={() => apply({})}>
            {t('clearFilters')}
          </button>
          <button type="button" class="secondary" id="export-csv" disabled={busy || !list} onClick={() => void exportCsv()}>
            {t('exportCsv')}
          </button>
        </div>
      </form>
      {error && <ErrorBox error={error} />}
      {exported && (
        <p role="status" class="ok" id="exported">
          {t('exported', { file: exported })}
        </p>
      )}
      <div class="console-body">
        <div class="device-table">
          <p role="status" id="matching">
            {list && counts && (list.next ? t('shown', { shown: list.devices.length, count: counts.matching }) : t('matching', { count: counts.matching }))}
          </p>
          <p class="help">{t('keyboardHelp')}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('columnLevel')}</th>
                <th scope="col">{t('columnLabel')}</th>
                <th scope="col">{t('columnBrowser')}</th>
                <th scope="col">{t('columnOs')}</th>
                <th scope="col">{t('columnFindings')}</th>
                <th scope="col">{t('columnLastSeen')}</th>
              </tr>
            </thead>
            <tbody ref={table} onKeyDown={keys} id="devices">
              {list?.devices.map((d, i) => (
                <tr
                  key={d.id}
                  data-id={d.id}
                  tabIndex={i === at ? 0 : -1}
                  aria-selected={d.id === state.device}
                  class={d.id === state.device ? 'open' : undefined}
                  onClick={() => (setAt(i), open(d.id))}
                >
                  <td>
                    <LevelBadge level={d.level} />
                  </td>
                  <td title={d.id}>
                    {d.label}
                    {d.stoppedReporting && <span class="warn"> · {ui('stoppedReporting')}</span>}
                  </td>
                  <td>
                    {d.browser} {d.version}
                  </td>
                  <td>{d.os}</td>
                  <td>
                    <FindingsCell d={d} />
                  </td>
                  <td>{when(d.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list && list.devices.length === 0 && <p>{t('noMatch')}</p>}
          {list?.next && (
            <button type="button" id="load-more" class="secondary" disabled={busy} onClick={() => void more()}>
              {t('loadMore')}
            </button>
          )}
        </div>
        {state.device && (
          <DeviceView
            key={state.device}
            deviceId={state.device}
            fromAlert={state.alert}
            onClose={() => {
              open(null);
              requestAnimationFrame(() => focusRow(at));
            }}
            onForgotten={() => {
              open(null);
              void load(state.query);
              onChanged();
            }}
          />
        )}
      </div>
    </section>
  );
}
