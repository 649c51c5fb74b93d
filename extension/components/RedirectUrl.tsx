import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../utils/i18n';

/** The URL the authorization server must know, with a copy button and (unless said elsewhere) where to register it. */
export function RedirectUrl({ help = true }: { help?: boolean }) {
  const url = browser.identity.getRedirectURL();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(url);
    setCopied(true);
  };
  return (
    <div class="redirect">
      <label for="redirect-url">{t('redirectUrl')}</label>
      <div class="row">
        <input id="redirect-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()} aria-live="polite">
          {copied ? t('copied') : t('copy')}
        </button>
      </div>
      {help && <p class="help">{t('redirectHelp')}</p>}
    </div>
  );
}
