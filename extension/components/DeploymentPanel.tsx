import { useEffect, useState } from 'preact/hooks';
import type { DeploymentAnswer } from '../../shared/api';
import { t } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { shownError, useAction } from './use-action';

const PLATFORMS = [
  { id: 'linux', label: 'policyLinux' },
  { id: 'windows', label: 'policyWindows' },
  { id: 'macos', label: 'policyMacos' },
] as const;

/** Saves bytes the background fetched as a file, as a link to them with a name would. */
function save(file: { fileName: string; contentType: string; base64: string }): void {
  const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.contentType }));
  const a = Object.assign(document.createElement('a'), { href: url, download: file.fileName });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The fleet's extension as the relay signs it (ID, redirect URL, update URL) and the policy that installs and enrols it
 * on each platform. The enrollment token field shows only when the relay keeps nothing but its hash.
 */
export function DeploymentPanel() {
  const [deployment, setDeployment] = useState<DeploymentAnswer | null>(null);
  const [token, setToken] = useState('');
  const { error, setError, run } = useAction();
  const [saved, setSaved] = useState('');
  useEffect(() => {
    ask({ type: 'deployment/get' }).then(setDeployment, (err: unknown) => setError(shownError(err)));
  }, [setError]);
  const download = (platform: string) => {
    setSaved('');
    return run(async () => {
      const file = await ask({ type: 'deployment/policy', platform, ...(token.trim() ? { enrollmentToken: token } : {}) });
      save(file);
      setSaved(file.fileName);
    });
  };
  return (
    <details id="deployment">
      <summary>
        <h2 id="deployment-heading">{t('deploymentHeading')}</h2>
      </summary>
      {deployment && (
        <>
          <dl>
            <dt>{t('extensionId')}</dt>
            <dd id="deployment-id">
              <code>{deployment.extensionId}</code>
            </dd>
            <dt>{t('updateUrl')}</dt>
            <dd id="deployment-update-url">
              <code>{deployment.updateUrl}</code> {deployment.version ? `(${deployment.version})` : t('notBuilt')}
            </dd>
            <dt>{t('redirectUrlLabel')}</dt>
            <dd>
              <code>{deployment.redirectUrl}</code>
            </dd>
          </dl>
          <p>{t('deploymentHelp')}</p>
          {!deployment.enrollmentTokenKnown && (
            <Field id="deploymentEnrollmentToken" label={t('enrollmentTokenLabel')} help={t('enrollmentTokenHelp')} value={token} onValue={setToken} />
          )}
          <div class="actions">
            {PLATFORMS.map((p) => (
              <button type="button" id={`policy-${p.id}`} key={p.id} onClick={() => void download(p.id)}>
                {t(p.label)}
              </button>
            ))}
          </div>
          {saved && (
            <p role="status" id="policy-saved">
              {t('policySaved', { file: saved })}
            </p>
          )}
        </>
      )}
      {error && <ErrorBox error={error} />}
    </details>
  );
}
