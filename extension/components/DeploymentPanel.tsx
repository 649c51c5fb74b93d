import { useEffect, useState } from 'preact/hooks';
import type { DeploymentAnswer } from '../../shared/api';
import { deploymentUi } from '../../shared/locales/en-deployment';
import { partTexts } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { saveFile } from '../utils/save-file';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { shownError, useAction } from './use-action';
import { ReadOnly } from './ReadOnly';
import { useMay } from './role';

const dt = partTexts('deploymentUi', deploymentUi);

const PLATFORMS = [
  { id: 'linux', label: 'policyLinux' },
  { id: 'windows', label: 'policyWindows' },
  { id: 'macos', label: 'policyMacos' },
] as const;

type Browser = 'chromium' | 'firefox';

/** One policy file per platform for a browser family; Chromium's keep their first ids (policy-linux …). */
function PolicyButtons({ browser, download }: { browser: Browser; download: (platform: string, browser: Browser) => Promise<void> }) {
  return (
    <div class="actions">
      {PLATFORMS.map((p) => (
        <button
          type="button"
          id={browser === 'chromium' ? `policy-${p.id}` : `policy-${browser}-${p.id}`}
          key={p.id}
          onClick={() => void download(p.id, browser)}
        >
          {dt(p.label)}
        </button>
      ))}
    </div>
  );
}

/**
 * The fleet's extension as the relay signs and packs it for Chromium browsers and for Firefox (ID, redirect URL,
 * update or install URL) and the policy that installs and enrols it on each platform. The enrollment token field shows only when the relay keeps nothing but its hash.
 */
export function DeploymentPanel() {
  const may = useMay();
  const [deployment, setDeployment] = useState<DeploymentAnswer | null>(null);
  const [token, setToken] = useState('');
  const { error, setError, run } = useAction();
  const [saved, setSaved] = useState('');
  useEffect(() => {
    ask({ type: 'deployment/get' }).then(setDeployment, (err: unknown) => setError(shownError(err)));
  }, [setError]);
  const download = (platform: string, browser: Browser) => {
    setSaved('');
    return run(async () => {
      const file = await ask({ type: 'deployment/policy', platform, browser, ...(token.trim() ? { enrollmentToken: token } : {}) });
      saveFile(file);
      setSaved(file.fileName);
    });
  };
  return (
    <details id="deployment">
      <summary>
        <h2 id="deployment-heading">{dt('deploymentHeading')}</h2>
      </summary>
      {deployment && (
        <>
          <p>{dt('deploymentHelp')}</p>
          {!deployment.enrollmentTokenKnown && (
            <Field id="deploymentEnrollmentToken" label={dt('enrollmentTokenLabel')} help={dt('enrollmentTokenHelp')} value={token} onValue={setToken} />
          )}
          <h3>{dt('chromiumBrowsers')}</h3>
          <dl>
            <dt>{dt('extensionId')}</dt>
            <dd id="deployment-id">
              <code>{deployment.extensionId}</code>
            </dd>
            <dt>{dt('updateUrl')}</dt>
            <dd id="deployment-update-url">
              <code>{deployment.updateUrl}</code> {deployment.version ? `(${deployment.version})` : dt('notBuilt')}
            </dd>
            <dt>{dt('redirectUrlLabel')}</dt>
            <dd>
              <code>{deployment.redirectUrl}</code>
            </dd>
          </dl>
          {may('owner') ? <PolicyButtons browser="chromium" download={download} /> : <ReadOnly needed="owner" />}
          <h3>{dt('firefoxBrowser')}</h3>
          <dl>
            <dt>{dt('extensionId')}</dt>
            <dd id="deployment-firefox-id">
              <code>{deployment.firefox.extensionId}</code>
            </dd>
            <dt>{dt('installUrl')}</dt>
            <dd id="deployment-firefox-install-url">
              <code>{deployment.firefox.installUrl}</code>{' '}
              {deployment.firefox.version
                ? `(${deployment.firefox.version}, ${dt(deployment.firefox.signed ? 'firefoxSigned' : 'firefoxUnsigned')})`
                : dt('notBuilt')}
            </dd>
            <dt>{dt('redirectUrlLabel')}</dt>
            <dd id="deployment-firefox-redirect-url">
              <code>{deployment.firefox.redirectUrl}</code>
            </dd>
          </dl>
          {may('owner') && <PolicyButtons browser="firefox" download={download} />}
          {saved && (
            <p role="status" id="policy-saved">
              {dt('policySaved', { file: saved })}
            </p>
          )}
        </>
      )}
      {error && <ErrorBox error={error} />}
    </details>
  );
}
