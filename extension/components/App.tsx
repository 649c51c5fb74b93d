import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { AlertPolicy } from '../../shared/alert-policy';
import type { DevicesAnswer } from '../../shared/fleet';
import type { MailSettingsView } from '../../shared/mail-settings';
import type { StatusAnswer } from '../../shared/api';
import { type ShownError } from '../utils/client-errors';
import { lang, t } from '../utils/i18n';
import { logFailure } from '../utils/log';
import { ask, onConsentChanged, type ConnectionView } from '../utils/protocol';
import type { ConsentState } from '../utils/storage';
import { needsAttention, type TabId } from './attention';
import { useLazy } from './lazy';
import { ConnectSection } from './ConnectSection';
import { AlertPolicyForm } from './AlertPolicyForm';
import { ErrorBox } from './ErrorBox';
import { FleetPanel } from './FleetPanel';
import { StatusPanel, TAB_NAMES } from './StatusPanel';
import { TabList, TabPanel } from './Tabs';
import { RoleContext } from './role';
import { ThisBrowserPanel } from './ThisBrowserPanel';
import { shownError } from './use-action';

interface Loaded {
  settings: MailSettingsView | null;
  status: StatusAnswer;
  policy: AlertPolicy;
  fleet: DevicesAnswer;
}

const TABS: readonly TabId[] = ['status', 'mail', 'alerts', 'extensions', 'fleet'];

/** The tab named by the page's #fragment (the options page opens at the popup's tab), or the status view. */
const tabFromHash = (): TabId => TABS.find((tab) => `#${tab}` === location.hash) ?? 'status';

/**
 * For everyone, this browser's compliance; for admins, the relay in five tabs: a short status view, the mail server,
 * the alerts, the fleet's extensions and the fleet. `page` is where it runs: the toolbar popup, or the options page in a tab of its own.
 */
export function App({ page }: { page: 'popup' | 'options' }) {
  const [connection, setConnection] = useState<ConnectionView | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [consent, setConsent] = useState<ConsentState>({ phase: 'idle', at: 0 });
  const [tab, setTab] = useState<TabId>(tabFromHash);
  // The Mail and Extensions tabs and the Fleet tab's folded sections (deployment, an owner's API tokens) are chunks of
  // their own. The mail form is read once the relay answered, after the status view is shown: a browser's user who is
  // no admin never reads it.
  const MailSettingsForm = useLazy(loaded !== null, async () => (await import('./MailSettingsForm')).MailSettingsForm, 'the Mail tab');
  const ExtensionsPanel = useLazy(tab === 'extensions', async () => (await import('./ExtensionsPanel')).ExtensionsPanel, 'the Extensions tab');
  const DeploymentPanel = useLazy(tab === 'fleet', async () => (await import('./DeploymentPanel')).DeploymentPanel, 'the deployment section');
  const owner = loaded?.status.admin.role === 'owner';
  const TokensPanel = useLazy(tab === 'fleet' && owner, async () => (await import('./TokensPanel')).TokensPanel, 'the API tokens section');
  // The options page's Fleet tab is the console: a chunk of its own, which the popup never loads.
  const FleetConsole = useLazy(tab === 'fleet' && page === 'options', async () => (await import('./FleetConsole')).FleetConsole, 'the fleet console');

  const load = useCallback(async () => {
    try {
      const [settings, status, policy, fleet] = await Promise.all([
        ask({ type: 'settings/get' }),
        ask({ type: 'status/get' }),
        ask({ type: 'policy/get' }),
        ask({ type: 'fleet/get' }),
      ]);
      setLoaded({ settings, status, policy, fleet });
      setError(null);
    } catch (err) {
      setError(shownError(err));
    }
  }, []);
  const refreshStatus = useCallback(() => {
    ask({ type: 'status/get' }).then((status) => setLoaded((l) => (l ? { ...l, status } : l)), logFailure('refreshing the status'));
  }, []);

  const refreshFleet = useCallback(() => {
    Promise.all([ask({ type: 'fleet/get' }), ask({ type: 'status/get' })]).then(
      ([fleet, status]) => setLoaded((l) => (l ? { ...l, fleet, status } : l)),
      logFailure('refreshing the fleet'),
    );
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    void ask({ type: 'connection/get' }).then((c) => {
      setConnection(c);
      if (c.connected) void load();
    });
    void ask({ type: 'consent/get' }).then(setConsent, logFailure('reading the consent'));
    // The consent runs in the background and may end while the popup is open: follow it live.
    return onConsentChanged((value) => {
      setConsent(value);
      refreshStatus();
    });
  }, [load, refreshStatus]);

  const select = (next: TabId) => {
    setTab(next);
    if (page === 'options') history.replaceState(null, '', `#${next}`);
  };
  // From a link in the status view: the panel takes the focus, so keyboard and screen-reader users land in what it fixes.
  const goTo = (next: TabId) => {
    select(next);
    requestAnimationFrame(() => document.getElementById(`panel-${next}`)?.focus());
  };
  const openInTab = () => {
    void browser.tabs.create({ url: browser.runtime.getURL(`/options.html#${tab}`) }).then(() => window.close(), logFailure('opening the options page'));
  };
  const attention = loaded ? needsAttention(loaded.status).length + (loaded.status.delivery.delayed ? 1 : 0) : 0;
  const connect = connection && (
    <ConnectSection
      connection={connection}
      onConnected={(c) => {
        setConnection(c);
        if (c.connected) void load();
        else setLoaded(null);
      }}
    />
  );

  return (
    <main class={page}>
      <header>
        <h1>{t('title')}</h1>
        {loaded && (
          <TabList
            label={t('tabsLabel')}
            selected={tab}
            onSelect={select}
            tabs={TABS.map((id) => ({
              id,
              label: t(TAB_NAMES[id]),
              ...(id === 'status' && attention > 0 ? { badge: { shown: String(attention), spoken: t('attentionCount', { count: attention }) } } : {}),
            }))}
          />
        )}
        {loaded && page === 'popup' && (
          <button type="button" class="icon" id="open-in-tab" title={t('openInTab')} aria-label={t('openInTab')} onClick={openInTab}>
            <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
              <path fill="none" stroke="currentColor" stroke-width="1.5" d="M9 2h5v5M14 2 7 9M12 10v4H2V4h4" />
            </svg>
          </button>
        )}
      </header>
      {/* The console shows as soon as the extension is connected, beside the page's first requests rather than after
          them; it stays mounted while another tab hides it, as the tab panels do. */}
      {FleetConsole && connection?.connected && (
        <div hidden={tab !== 'fleet'}>
          <RoleContext.Provider value={loaded?.status.admin.role ?? 'viewer'}>
            <FleetConsole onChanged={refreshFleet} />
          </RoleContext.Provider>
        </div>
      )}
      {!connection ? (
        <p>{t('loading')}</p>
      ) : !loaded ? (
        <>
          <ThisBrowserPanel />
          {connect}
          {error && <ErrorBox error={error} />}
        </>
      ) : (
        <RoleContext.Provider value={loaded.status.admin.role}>
          {error && <ErrorBox error={error} />}
          {/* Above the tabs: a consent started by Save on the mail tab ends here, whichever tab is open. */}
          <div role="status" aria-live="polite" id="consent">
            {consent.phase === 'running' && <p class="notice">{t('consentRunning')}</p>}
            {consent.phase === 'connected' && <p class="ok">{consent.account ? t('connectedAs', { account: consent.account }) : t('connectedUnnamed')}</p>}
            {consent.phase === 'failed' && consent.error && <ErrorBox error={consent.error} />}
          </div>
          <TabPanel id="status" selected={tab === 'status'}>
            <StatusPanel status={loaded.status} consent={consent} onRefresh={refreshStatus} onTab={goTo} />
            <ThisBrowserPanel compact />
            {connect}
          </TabPanel>
          <TabPanel id="mail" selected={tab === 'mail'}>
            {MailSettingsForm && (
              <MailSettingsForm
                saved={loaded.settings}
                onSaved={(settings) => {
                  setLoaded((l) => (l ? { ...l, settings } : l));
                  refreshStatus();
                }}
              />
            )}
          </TabPanel>
          <TabPanel id="alerts" selected={tab === 'alerts'}>
            <AlertPolicyForm
              saved={loaded.policy}
              onSaved={(policy) => {
                setLoaded((l) => (l ? { ...l, policy } : l));
                refreshStatus();
              }}
            />
          </TabPanel>
          <TabPanel id="extensions" selected={tab === 'extensions'}>
            {ExtensionsPanel && (
              <ExtensionsPanel shown={tab === 'extensions'} policy={loaded.policy} onPolicy={(policy) => setLoaded((l) => (l ? { ...l, policy } : l))} />
            )}
          </TabPanel>
          <TabPanel id="fleet" selected={tab === 'fleet'}>
            <FleetPanel fleet={loaded.fleet} status={loaded.status} onChanged={refreshFleet} console={page === 'options'} />
            {DeploymentPanel && <DeploymentPanel />}
            {TokensPanel && owner && <TokensPanel />}
          </TabPanel>
        </RoleContext.Provider>
      )}
    </main>
  );
}
