/**
 * What an extension's id may be, in reports, the alert policy's lists and the API: Chrome's are 32 letters a-p;
 * Firefox's an e-mail-like name or a {GUID}. A module of its own, so the popup's bundle takes it without the report's
 * schema.
 */
export const EXTENSION_ID_CHARS = String.raw`[\w@.{}+-]{1,128}`;
export const EXTENSION_ID = new RegExp(`^${EXTENSION_ID_CHARS}$`);
