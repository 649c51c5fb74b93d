/**
 * The extension's ID. It is fixed by the public key in the manifest (extension/wxt.config.ts), so the
 * extension's origin and its OAuth redirect URL are the same on every machine.
 */
export const EXTENSION_ID = 'iiigkidhbdbfplmdfdenmmlfkhnilkhk';

/** The origin the relay allows by default (CORS). */
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;

/** What `identity.getRedirectURL()` answers in Chrome and Edge: register it with the authorization server. */
export const EXTENSION_REDIRECT_URL = `https://${EXTENSION_ID}.chromiumapp.org/`;
