import preact from '@preact/preset-vite';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'wxt';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  manifest: {
    name: 'Guardmail',
    version,
    description: 'Checks this browser\'s compliance and emails IT admins when managed browsers become highly vulnerable.',
    // The public half of the extension's signing key: it fixes the extension ID (shared/extension.ts), and with it
    // the origin the relay allows and the OAuth redirect URL admins register.
    key: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn1+hj/ElnbnxxuIPFSOMyhbLaneF89rLzj6NftUxcdNqu3pOmoRamnAgcMAWqMftO9/n8AcoqgZDgAX8C0CxgDhtj4HXyLhJZGvNwcS+QZfFupUX1UIGz//TW/eau2iDcrOEpHDndaUzdPFHG73o1AH45gw9p9uZfO0QYEkhAbTjV1IWCH8/2eIcYAQCyGIXZC52uLketIK1WFNrqgUr1aWPEZ/ODyN7F0LwJoT+Zn3EOMr6WCrpCQksicEHJzTf3JKXfwX7n3USZorRRROb8efLaceoJ296P5wzWKzX++Zj1EEYJeXG7uGApeXjMHhniglJP1rhLgEKWxVEYUYTsQIDAQAB',
    permissions: ['storage'],
  },
});
