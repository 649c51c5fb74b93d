import preact from '@preact/preset-vite';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'wxt';
import { FIREFOX_DEV_ADDON_ID } from '../shared/extension';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Every import is written out. Auto-imports would also rewrite shared/ files that the bundle pulls in: a function
  // parameter named like a util export (`lang`) got an import of extension/utils/i18n injected, an import cycle
  // that left the background script reading a constant before its initialization.
  imports: false,
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser }) => ({
    // In the browser's language from public/_locales (English, Spanish), as chrome://extensions and stores show them.
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    version,
    // The public half of the extension's signing key: it fixes the extension ID (shared/extension.ts), and with it
    // the origin the relay allows and the OAuth redirect URL admins register.
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              // The relay writes its own ID and its update_url into the XPI it serves (relay/extension/firefox-package.ts).
              id: FIREFOX_DEV_ADDON_ID,
              // The oldest ESR Mozilla still supports, and the first with data_collection_permissions.
              strict_min_version: '140.0',
              // It reports this browser's version, extensions and security settings to the organization's relay.
              data_collection_permissions: { required: ['technicalAndInteraction'] },
            },
          },
        }
      : {
          key: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn1+hj/ElnbnxxuIPFSOMyhbLaneF89rLzj6NftUxcdNqu3pOmoRamnAgcMAWqMftO9/n8AcoqgZDgAX8C0CxgDhtj4HXyLhJZGvNwcS+QZfFupUX1UIGz//TW/eau2iDcrOEpHDndaUzdPFHG73o1AH45gw9p9uZfO0QYEkhAbTjV1IWCH8/2eIcYAQCyGIXZC52uLketIK1WFNrqgUr1aWPEZ/ODyN7F0LwJoT+Zn3EOMr6WCrpCQksicEHJzTf3JKXfwX7n3USZorRRROb8efLaceoJ296P5wzWKzX++Zj1EEYJeXG7uGApeXjMHhniglJP1rhLgEKWxVEYUYTsQIDAQAB',
        }),
    // storage: settings, the report queue and the consent outcome; identity: the consent window; alarms: the report
    // schedule; management and privacy: what the compliance report says about extensions and security settings.
    // The relay answers CORS for this extension's origin, so no host permissions are needed.
    permissions: ['storage', 'identity', 'alarms', 'management', 'privacy'],
    storage: { managed_schema: 'managed-schema.json' },
  }),
});
