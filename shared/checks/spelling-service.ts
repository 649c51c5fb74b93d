import { settingCheck } from './setting';

/** The spelling web service sends what the user types in text fields to Google. */
export const spellingService = settingCheck({
  id: 'spelling-service',
  setting: 'services.spellingServiceEnabled',
  wanted: false,
  subject: 'Spelling web service',
  policy: 'SpellCheckServiceEnabled',
  policyValue: 'false',
  rules: [{ benchmark: 'cis-chrome', id: '3.11', title: "Ensure 'Enable or disable spell checking web service' is set to 'Disabled'", level: 1 }],
});
