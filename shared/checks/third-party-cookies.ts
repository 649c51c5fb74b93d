import { settingCheck } from './setting';

/** Third-party cookies let embedded sites follow the user from site to site. */
export const thirdPartyCookies = settingCheck({
  id: 'third-party-cookies',
  setting: 'websites.thirdPartyCookiesAllowed',
  wanted: false,
  subject: 'Third-party cookies',
  summary: { en: 'allow third-party cookies', es: 'permiten cookies de terceros' },
  wrong: { en: 'Third-party cookies are allowed', es: 'Se permiten cookies de terceros' },
  unenforced: { en: 'Third-party cookies are blocked, but the user can allow them', es: 'Las cookies de terceros están bloqueadas, pero el usuario puede permitirlas' },
  policy: 'BlockThirdPartyCookies',
  policyValue: 'true',
  rules: [
    { benchmark: 'cis-chrome', id: '3.4', title: "Ensure 'Block third party cookies' is set to 'Enabled'", level: 1 },
  ],
});
