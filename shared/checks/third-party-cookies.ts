import { settingCheck } from './setting';

/** Third-party cookies let embedded sites follow the user from site to site. */
export const thirdPartyCookies = settingCheck({
  id: 'third-party-cookies',
  setting: 'websites.thirdPartyCookiesAllowed',
  wanted: false,
  subject: 'Third-party cookies',
  policy: 'BlockThirdPartyCookies',
  policyValue: 'true',
  rules: [{ benchmark: 'cis-chrome', id: '3.4', title: "Ensure 'Block third party cookies' is set to 'Enabled'", level: 1 }],
});
