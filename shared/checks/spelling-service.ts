import { settingCheck } from './setting';

/** The spelling web service sends what the user types in text fields to Google. */
export const spellingService = settingCheck({
  id: 'spelling-service',
  setting: 'services.spellingServiceEnabled',
  wanted: false,
  subject: 'Spelling web service',
  summary: { en: 'send typed text to a spelling web service', es: 'envían el texto escrito a un servicio web de ortografía' },
  wrong: { en: 'The spelling web service sends typed text to Google', es: 'El servicio web de ortografía envía el texto escrito a Google' },
  unenforced: { en: 'The spelling web service is off, but the user can turn it on', es: 'El servicio web de ortografía está desactivado, pero el usuario puede activarlo' },
  policy: 'SpellCheckServiceEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'cis-chrome', id: '3.11', title: "Ensure 'Enable or disable spell checking web service' is set to 'Disabled'", level: 1 },
  ],
});
