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

/**
 * The relay URL, then signing in with the company's identity provider or an admin token: checked against the relay,
 * then shown as who is connected (the admin's name, or the token masked).
 */
export function ConnectSection({ connection, onConnected }: Props) {
  const [editing, setEditing] = useState(!connection.connected);
  const [relayUrl, setRelayUrl] = useState(connection.relayUrl ?? '');
  const [adminToken, setAdminToken] = useState('');
  const { busy, error, run } = useAction();
  const done = (view: ConnectionView) => {
    setAdminToken('');
    setEditing(!view.connected);
    onConnected(view);
  };

  const connect = (e: Event) => {
    e.preventDefault();
    return run(async () => done(await ask({ type: 'connection/save', relayUrl, adminToken })));
  };
  const signIn = () => run(async () => done(await ask({ type: 'signin/start', relayUrl })));
  const signOut = () => run(async () => done(await ask({ type: 'signin/out' })));
  const shown = error ?? (editing ? connection.signInError : null);

  if (!editing) {
    return (
      <section aria-labelledby="relay-heading" class="connection">
        <h2 id="relay-heading">{t('connectionHeading')}</h2>
        <p id="connected-to">
          {t('connectedTo', { url: connection.relayUrl ?? '' })}{' '}
          {connection.signedIn ? t('signedInAs', { name: connection.signedIn }) : <code>{connection.tokenHint}</code>}
        </p>
        {connection.managed ? (
          <p class="help">{t('setByPolicy')}</p>
        ) : connection.signedIn ? (
          <button type="button" id="sign-out" onClick={() => void signOut()}>
            {t('signOut')}
          </button>
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
      <button type="button" id="sign-in" class="primary" disabled={busy || !relayUrl} onClick={() => void signIn()}>
        {busy ? t('signingIn') : t('signIn')}
      </button>
      <p class="help">{t('signInHelp')}</p>
      <Field id="adminToken" label={t('adminToken')} help={t('adminTokenHelp')} type="password" value={adminToken} onValue={setAdminToken} autoComplete="off" />
      <button type="submit" id="connect" disabled={busy || !relayUrl || !adminToken}>
        {busy ? t('connecting') : t('connect')}
      </button>
      {shown && <ErrorBox error={shown} />}
    </form>
  );
}
