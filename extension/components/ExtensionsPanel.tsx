import { useEffect, useState } from 'preact/hooks';
import type { AlertPolicy } from '../../shared/alert-policy';
import { policySnippet, type RiskReason } from '../../shared/extension-risk';
import type { ExtensionsAnswer, InventoryExtension } from '../../shared/inventory';
import { extensionsUi } from '../../shared/locales/en-extensions';
import { lang, partTexts } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { useAction } from './use-action';
import { useMay } from './role';

const t = partTexts('extensionsUi', extensionsUi);
const day = (iso: string) => new Date(iso).toLocaleDateString(lang);

/** A reason of a score, as the admin reads it: its points, and what earned them. */
function reasonText(r: RiskReason): string {
  switch (r.kind) {
    case 'permission':
      return t('reason_permission', { permission: r.permission });
    case 'all-sites':
      return t('reason_all-sites', { pattern: r.pattern });
    case 'hosts':
      return t('reason_hosts', { count: r.count });
    case 'install':
      return t('reason_install', { installType: r.installType });
    case 'off-store':
      return t('reason_off-store', { updateUrl: r.updateUrl });
    case 'grew':
      return t('reason_grew', { added: r.added.join(', ') });
    case 'changed-recently':
      return t('reason_changed-recently', { at: new Date(r.at).toLocaleDateString(lang) });
    case 'one-device':
      return t('reason_one-device');
  }
}

const hostLike = (p: string) => p.includes('://') || p === '<all_urls>';

/** One extension: its score and why, where it runs, its recent changes, and what the admin can do about it. */
function ExtensionItem({ e, policy, onPolicy }: { e: InventoryExtension; policy: AlertPolicy; onPolicy: (p: AlertPolicy) => void }) {
  const may = useMay();
  const [snippet, setSnippet] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const newest = e.versions.find((v) => v.devices > 0) ?? e.versions[0];
  const added = e.recentChanges[0]?.added ?? [];
  const save = (change: Partial<Pick<AlertPolicy, 'allowlist' | 'blocklist'>>) =>
    run(async () => onPolicy(await ask({ type: 'policy/save', policy: { ...policy, ...change } })));
  const allow = (entry: string) => save({ allowlist: [...new Set([...policy.allowlist, entry])] });
  const block = () => {
    setSnippet(policySnippet(e.id, 'extension'));
    return save({ blocklist: [...new Set([...policy.blocklist, e.id])] });
  };
  return (
    <li class="extension" id={`extension-${e.id}`}>
      <div class="extension-head">
        <b>{e.name || e.id}</b> <span class={`risk risk-${e.risk.level.toLowerCase()}`}>{t('riskScore', { score: e.risk.score })}</span>
      </div>
      <div class="help">
        <code>{e.id}</code> ·{' '}
        {t('extensionDevices', {
          count: e.devices,
          // Two versions may share a number (the same number with other permissions): each number once.
          versions: [...new Set(e.versions.filter((v) => v.devices > 0).map((v) => v.version))].join(', '),
        })}
      </div>
      {e.risk.reasons.length > 0 && (
        <ul class="reasons">
          {e.risk.reasons.map((r, i) => (
            <li key={i}>
              +{r.points} {reasonText(r)}
            </li>
          ))}
        </ul>
      )}
      {e.recentChanges.map((c) => (
        <p class="change" key={c.to}>
          {t('extensionChanged', {
            from: c.from,
            to: c.to,
            at: day(c.at),
            what: [
              ...c.added.map((p) => `+${p}`),
              ...c.removed.map((p) => `−${p}`),
              ...(c.updateUrl ? [`${c.updateUrl.from ?? '—'} → ${c.updateUrl.to ?? '—'}`] : []),
            ].join(' '),
          })}
        </p>
      ))}
      {e.allowed && <p class="ok">{t('extensionAllowed')}</p>}
      {e.blocked && <p class="warn">{t('extensionBlocked')}</p>}
      <div class="actions">
        {!e.allowed && may('operator') && (
          <button type="button" disabled={busy} onClick={() => void allow(e.id)}>
            {t('allowExtension')}
          </button>
        )}
        {!e.allowed && newest && may('operator') && (
          <button type="button" disabled={busy} onClick={() => void allow(`${e.id}=${newest.version}`)}>
            {t('allowVersion', { version: newest.version })}
          </button>
        )}
        {!e.blocked && may('operator') && (
          <button type="button" disabled={busy} onClick={() => void block()}>
            {t('blockExtension')}
          </button>
        )}
        {added.length > 0 && (
          <button
            type="button"
            onClick={() => setSnippet(policySnippet(e.id, { permissions: added.filter((p) => !hostLike(p)), hosts: added.filter(hostLike) }))}
          >
            {t('blockAdded')}
          </button>
        )}
      </div>
      {snippet && (
        <>
          <p class="help">{t('snippetHelp')}</p>
          <pre class="snippet">{snippet}</pre>
        </>
      )}
      {error && <ErrorBox error={error} />}
    </li>
  );
}

/** The fleet's extensions, riskiest first: loaded when the tab is first shown, and again after a policy change. */
export function ExtensionsPanel({ shown, policy, onPolicy }: { shown: boolean; policy: AlertPolicy; onPolicy: (p: AlertPolicy) => void }) {
  const [answer, setAnswer] = useState<ExtensionsAnswer | null>(null);
  const { error, run } = useAction();
  useEffect(() => {
    if (shown) void run(async () => setAnswer(await ask({ type: 'extensions/get' })));
  }, [shown, policy, run]);
  return (
    <section aria-labelledby="extensions-heading">
      <h2 id="extensions-heading" class="sr-only">
        {t('extensionsHeading')}
      </h2>
      {error && <ErrorBox error={error} />}
      {answer &&
        (answer.extensions.length === 0 ? (
          <p>{t('extensionsNone')}</p>
        ) : (
          <>
            <p class="help">{t('extensionsCount', { count: answer.total, version: answer.riskTable })}</p>
            <ul class="extensions">
              {answer.extensions.map((e) => (
                <ExtensionItem key={e.id} e={e} policy={policy} onPolicy={onPolicy} />
              ))}
            </ul>
          </>
        ))}
    </section>
  );
}
