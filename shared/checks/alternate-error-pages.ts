import { settingCheck } from './setting';

/** Alternate error pages send addresses that failed to load to Google for suggestions. */
export const alternateErrorPages = settingCheck({
  id: 'alternate-error-pages',
  setting: 'services.alternateErrorPagesEnabled',
  wanted: false,
  subject: 'Alternate error pages',
  policy: 'AlternateErrorPagesEnabled',
  policyValue: 'false',
  rules: [{ benchmark: 'cis-chrome', id: '3.8', title: "Ensure 'Enable alternate error pages' is set to 'Disabled'", level: 1 }],
});
