/**
 * The extension's ID. It is fixed by the public key in the manifest (extension/wxt.config.ts), so the
 * extension's origin and its OAuth redirect URL are the same on every machine.
 */
export const EXTENSION_ID = 'iiigkidhbdbfplmdfdenmmlfkhnilkhk';

/** The origin the relay allows by default (CORS). */
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`;

/** What `identity.getRedirectURL()` answers in Chrome and Edge: register it with the authorization server. */
export const EXTENSION_REDIRECT_URL = `https://${EXTENSION_ID}.chromiumapp.org/`;

/** The development build's Firefox add-on ID (extension/wxt.config.ts); the relay gives the fleet's copy its own. */
export const FIREFOX_DEV_ADDON_ID = 'guardmail@guardmail.invalid';

/** What `identity.getRedirectURL()` answers in Firefox for the development build: the SHA-1 of its ID, in hex. */
export const FIREFOX_DEV_REDIRECT_URL = 'https://c8ce162d2222f2d415d4f57985faa4b80c7ec115.extensions.allizom.org/';
