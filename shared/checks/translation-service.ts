import { settingCheck } from './setting';

/** Translate offers to send pages in other languages to Google for translation. */
export const translationService = settingCheck({
  id: 'translation-service',
  setting: 'services.translationServiceEnabled',
  wanted: false,
  subject: 'Translate',
  policy: 'TranslateEnabled',
  policyValue: 'false',
  rules: [{ benchmark: 'cis-chrome', id: '3.15', title: "Ensure 'Enable Translate' is set to 'Disabled'", level: 2 }],
});
