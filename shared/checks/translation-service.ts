import { settingCheck } from './setting';

/** Translate offers to send pages in other languages to Google for translation. */
export const translationService = settingCheck({
  id: 'translation-service',
  setting: 'services.translationServiceEnabled',
  wanted: false,
  subject: 'Translate',
  summary: { en: 'offer to send pages to Google Translate', es: 'ofrecen enviar páginas al Traductor de Google' },
  wrong: { en: 'The browser offers to send pages to Google Translate', es: 'El navegador ofrece enviar páginas al Traductor de Google' },
  unenforced: { en: 'Translate is off, but the user can turn it on', es: 'El Traductor está desactivado, pero el usuario puede activarlo' },
  policy: 'TranslateEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'cis-chrome', id: '3.15', title: "Ensure 'Enable Translate' is set to 'Disabled'", level: 2 },
  ],
});
