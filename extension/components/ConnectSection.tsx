import { useState } from 'preact/hooks';
import { t } from '../utils/i18n';
import { ask, type ConnectionView } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { useAction } from './use-action';

interface Props {
  connection: ConnectionView;
  onConnected: (connection: ConnectionView) => void;
}

/** The relay URL and admin token: entered once, checked against the relay, then shown masked. */
export function ConnectSection({ connection, onConnected }: Props) {
  const [editing, setEditing] = useState(!connection.relayUrl);
  const [relayUrl, setRelayUrl] = useState(connection.relayUrl ?? '');
  const [adminToken, setAdminToken] = useState('');
  const { busy, error, run } = useAction();

  const connect = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const saved = await ask({ type: 'connection/save', relayUrl, adminToken });
      setAdminToken('');
      setEditing(false);
      onConnected(saved);
    });
  };

  if (!editing) {
    return (
      <section aria-labelledby="relay-heading" class="connection">
        <h2 id="relay-heading">{t('connectionHeading')}</h2>
        <p id="connected-to">
          {t('connectedTo', { url: connection.relayUrl ?? '' })} <code>{connection.tokenHint}</code>
        </p>
        {connection.managed ? (
          <p class="help">{t('setByPolicy')}</p>
        ) : (
          <button type="button" onClick={() => setEditing(true)}>
            {t('change')}
          </button>
        )}
      </section>
    );
  }
  return (
    <form onSubmit={(e) => void connect(e)} aria-labelledby="relay-heading" class="connection">
      <h2 id="relay-heading">{t('connectionHeading')}</h2>
      <Field
        id="relayUrl"
        label={t('relayUrl')}
        help={t('relayUrlHelp')}
        type="url"
        value={relayUrl}
        onValue={setRelayUrl}
        error={error?.field === 'relayUrl' ? (error.message ?? '') : undefined}
      />
      <Field id="adminToken" label={t('adminToken')} help={t('adminTokenHelp')} type="password" value={adminToken} onValue={setAdminToken} autoComplete="off" />
      <button type="submit" id="connect" class="primary" disabled={busy || !relayUrl || !adminToken}>
        {busy ? t('connecting') : t('connect')}
      </button>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
