import { useEffect, useState } from 'preact/hooks';
import type { ApiTokenView } from '../../shared/api';
import { deploymentUi } from '../../shared/locales/en-deployment';
import { ADMIN_ROLES, type AdminRole } from '../../shared/roles';
import { lang, partTexts } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Choice, Field } from './Field';
import { useAction } from './use-action';

const dt = partTexts('deploymentUi', deploymentUi);
const day = (iso: string) => new Date(iso).toLocaleDateString(lang);

/**
 * An owner's named API tokens, made with a name, a role and an expiry (the value shown this once), listed, revoked;
 * and the admins signed in through the identity provider, whose sessions an owner may end.
 */
export function TokensPanel() {
  const [tokens, setTokens] = useState<ApiTokenView[] | null>(null);
  const [sessions, setSessions] = useState<ApiTokenView[] | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('viewer');
  const [days, setDays] = useState('90');
  const [made, setMade] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const listSessions = async () => setSessions((await ask({ type: 'sessions/list' })).sessions);
  const refresh = () =>
    run(async () => {
      setTokens((await ask({ type: 'tokens/list' })).tokens);
      await listSessions();
    });
  useEffect(() => void refresh(), []);

  const make = () =>
    run(async () => {
      setMade(null);
      const created = await ask({ type: 'tokens/create', token: { name, role, expiresInDays: Number(days) } });
      setMade(created.token);
      setName('');
      setTokens((await ask({ type: 'tokens/list' })).tokens);
    });
  const revoke = (id: number) =>
    run(async () => {
      await ask({ type: 'tokens/revoke', id });
      setTokens((await ask({ type: 'tokens/list' })).tokens);
    });

  const end = (id: number) =>
    run(async () => {
      await ask({ type: 'sessions/end', id });
      await listSessions();
    });

  return (
    <details id="tokens">
      <summary>
        <h2>{dt('tokensHeading')}</h2>
      </summary>
      <p class="help">{dt('tokensHelp')}</p>
      <Field id="tokenName" label={dt('tokenName')} value={name} onValue={setName} />
      <Choice id="tokenRole" legend={dt('tokenRole')} value={role} options={ADMIN_ROLES.map((r) => ({ value: r, label: r }))} onValue={setRole} inline />
      <Field id="tokenDays" label={dt('tokenDays')} type="number" value={days} onValue={setDays} />
      <div class="actions">
        <button type="button" id="make-token" disabled={busy || !name.trim()} onClick={() => void make()}>
          {dt('makeToken')}
        </button>
      </div>
      {made && (
        <p role="status" id="token-made">
          {dt('tokenMade')} <code>{made}</code>
        </p>
      )}
      {tokens && (
        <ul class="tokens">
          {tokens.map((tk) => (
            <li key={tk.id}>
              {dt('tokenLine', { name: tk.name, role: tk.role, expires: day(tk.expiresAt), used: tk.lastUsedAt ? day(tk.lastUsedAt) : dt('tokenNeverUsed') })}
              {tk.revoked ? (
                ` · ${dt('tokenRevoked')}`
              ) : (
                <button type="button" class="link" data-token={tk.id} disabled={busy} onClick={() => void revoke(tk.id)}>
                  {dt('revokeToken')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <h3>{dt('sessionsHeading')}</h3>
      {sessions?.length === 0 && <p class="help">{dt('noSessions')}</p>}
      {sessions && sessions.length > 0 && (
        <ul class="tokens" id="sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              {dt('sessionLine', { name: s.name, role: s.role, since: day(s.createdAt), expires: new Date(s.expiresAt).toLocaleTimeString(lang) })}
              <button type="button" class="link" data-session={s.id} disabled={busy} onClick={() => void end(s.id)}>
                {dt('endSession')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <ErrorBox error={error} />}
    </details>
  );
}
