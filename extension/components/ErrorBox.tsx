import type { ShownError } from '../utils/client-errors';
import { errorText, t } from '../utils/i18n';
import { RedirectUrl } from './RedirectUrl';

const CONSENT_ERRORS = new Set(['CONSENT_WINDOW_CLOSED', 'CONSENT_PAGE_UNLOADABLE', 'OAUTH_REDIRECT_URI_MISMATCH', 'OAUTH_REDIRECT_URL_NOT_ALLOWED']);

/** A coded error in the admin's language: what happened, what the server said, and what to do. */
export function ErrorBox({ error }: { error: ShownError }) {
  const { message, hint } = errorText(error);
  return (
    <div class="error" role="alert" data-code={error.code}>
      <p class="error-message">{message}</p>
      {error.serverResponse && <p class="server-said">{t('serverSaid', { answer: error.serverResponse })}</p>}
      {hint && <p>{t('whatToDo', { hint })}</p>}
      {CONSENT_ERRORS.has(error.code) && (
        <>
          <p>{t('consentGuidanceMismatch')}</p>
          <RedirectUrl />
        </>
      )}
    </div>
  );
}
