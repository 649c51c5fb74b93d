import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AlertPolicy } from '../../../shared/alert-policy';
import type { DevicesAnswer } from '../../../shared/fleet';
import type { MailSettingsView } from '../../../shared/mail-settings';
import type { StatusAnswer } from '../../../shared/api';
import { ClientError, type ShownError } from '../../utils/client-errors';
import { lang, t } from '../../utils/i18n';
import { logFailure } from '../../utils/log';
import { ask, type ConnectionView } from '../../utils/protocol';
import { consentItem, type ConsentState } from '../../utils/storage';
import { ConnectSection } from './ConnectSection';
import { AlertPolicyForm } from './AlertPolicyForm';
import { ErrorBox } from './ErrorBox';
import { DeploymentPanel } from './DeploymentPanel';
import { FleetPanel } from './FleetPanel';
import { MailSettingsForm } from './MailSettingsForm';
import { StatusPanel } from './StatusPanel';
import { ThisBrowserPanel } from './ThisBrowserPanel';

interface Loaded {
  settings: MailSettingsView | null;
  status: StatusAnswer | null;
  policy: AlertPolicy;
  fleet: DevicesAnswer;
}

/** For everyone, this browser's compliance; for admins, the relay: mail server, alerts, fleet and health. */
export function App() {
  const [connection, setConnection] = useState<ConnectionView | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [consent, setConsent] = useState<ConsentState>({ phase: 'idle', at: 0 });

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
      setError(err instanceof ClientError ? err.shown : { code: 'INTERNAL' });
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
      if (c.relayUrl) void load();
    });
    void consentItem.getValue().then(setConsent);
    // The consent runs in the background and may end while the popup is open: follow it live.
    return consentItem.watch((value) => {
      setConsent(value);
      refreshStatus();
    });
  }, [load, refreshStatus]);

  return (
    <main>
      <h1>{t('title')}</h1>
      <ThisBrowserPanel />
      {!connection ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <ConnectSection connection={connection} onConnected={(c) => { setConnection(c); void load(); }} />
          {error && <ErrorBox error={error} />}
          {loaded && (
            <>
              <StatusPanel status={loaded.status} consent={consent} onRefresh={refreshStatus} />
              <FleetPanel fleet={loaded.fleet} status={loaded.status} onChanged={refreshFleet} />
              <DeploymentPanel />
              <MailSettingsForm saved={loaded.settings} onSaved={(settings) => { setLoaded((l) => (l ? { ...l, settings } : l)); refreshStatus(); }} />
              <AlertPolicyForm saved={loaded.policy} onSaved={(policy) => setLoaded((l) => (l ? { ...l, policy } : l))} />
            </>
          )}
        </>
      )}
    </main>
  );
}
