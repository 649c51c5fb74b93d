import { settingCheck } from './setting';

/** Safe Browsing extended reporting sends pages and downloads the user met to Google. */
export const extendedReporting = settingCheck({
  id: 'extended-reporting',
  setting: 'services.safeBrowsingExtendedReportingEnabled',
  wanted: false,
  subject: 'Safe Browsing extended reporting',
  policy: 'SafeBrowsingExtendedReportingEnabled',
  policyValue: 'false',
  rules: [{ benchmark: 'stig-chrome', id: 'DTBC-0057', vuln: 'V-221590', title: 'Safe Browsing Extended Reporting must be disabled.' }],
});
