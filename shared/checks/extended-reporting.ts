import { settingCheck } from './setting';

/** Safe Browsing extended reporting sends pages and downloads the user met to Google. */
export const extendedReporting = settingCheck({
  id: 'extended-reporting',
  setting: 'services.safeBrowsingExtendedReportingEnabled',
  wanted: false,
  subject: 'Safe Browsing extended reporting',
  summary: { en: 'send Safe Browsing extended reports to Google', es: 'envían informes ampliados de Navegación segura a Google' },
  wrong: { en: 'Safe Browsing extended reporting sends data to Google', es: 'Los informes ampliados de Navegación segura envían datos a Google' },
  unenforced: { en: 'Safe Browsing extended reporting is off, but the user can turn it on', es: 'Los informes ampliados de Navegación segura están desactivados, pero el usuario puede activarlos' },
  policy: 'SafeBrowsingExtendedReportingEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0057', vuln: 'V-221590', title: 'Safe Browsing Extended Reporting must be disabled.' },
  ],
});
