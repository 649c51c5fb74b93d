import { settingCheck } from './setting';

/** Search suggestions send what the user types in the address bar to the search engine, keystroke by keystroke. */
export const searchSuggestions = settingCheck({
  id: 'search-suggestions',
  setting: 'services.searchSuggestEnabled',
  wanted: false,
  subject: 'Search suggestions',
  policy: 'SearchSuggestEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0027', vuln: 'V-221576', title: 'Search suggestions must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000012', vuln: 'V-235729', title: 'Search suggestions must be disabled.' },
    { benchmark: 'cis-chrome', id: '3.14', title: "Ensure 'Enable search suggestions' is set to 'Disabled'", level: 2 },
  ],
});
