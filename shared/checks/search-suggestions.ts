import { settingCheck } from './setting';

/** Search suggestions send what the user types in the address bar to the search engine, keystroke by keystroke. */
export const searchSuggestions = settingCheck({
  id: 'search-suggestions',
  setting: 'services.searchSuggestEnabled',
  wanted: false,
  subject: 'Search suggestions',
  summary: { en: 'send address-bar typing to the search engine', es: 'envían lo que se escribe en la barra de direcciones al buscador' },
  wrong: { en: 'Search suggestions send address-bar typing to the search engine', es: 'Las sugerencias de búsqueda envían lo que se escribe en la barra de direcciones al buscador' },
  unenforced: { en: 'Search suggestions are off, but the user can turn them on', es: 'Las sugerencias de búsqueda están desactivadas, pero el usuario puede activarlas' },
  policy: 'SearchSuggestEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0027', vuln: 'V-221576', title: 'Search suggestions must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000012', vuln: 'V-235729', title: 'Search suggestions must be disabled.' },
    { benchmark: 'cis-chrome', id: '3.14', title: "Ensure 'Enable search suggestions' is set to 'Disabled'", level: 2 },
  ],
});
