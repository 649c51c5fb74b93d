import { settingCheck } from './setting';

/** Alternate error pages send addresses that failed to load to Google for suggestions. */
export const alternateErrorPages = settingCheck({
  id: 'alternate-error-pages',
  setting: 'services.alternateErrorPagesEnabled',
  wanted: false,
  subject: 'Alternate error pages',
  summary: { en: 'send addresses that failed to load to Google', es: 'envían a Google las direcciones que no se pudieron cargar' },
  wrong: { en: 'Alternate error pages send failed addresses to Google', es: 'Las páginas de error alternativas envían a Google las direcciones fallidas' },
  unenforced: { en: 'Alternate error pages are off, but the user can turn them on', es: 'Las páginas de error alternativas están desactivadas, pero el usuario puede activarlas' },
  policy: 'AlternateErrorPagesEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'cis-chrome', id: '3.8', title: "Ensure 'Enable alternate error pages' is set to 'Disabled'", level: 1 },
  ],
});
