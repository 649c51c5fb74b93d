import { DEVICE_FILTERS, DEVICE_SORTS, type DeviceFilterName, type DeviceSort } from '../../shared/fleet';

/** The console's filters and order as its address keeps them: a link to it opens the same list. */
export type ConsoleQuery = Partial<Record<DeviceFilterName, string>> & { sort?: DeviceSort };

/** What the console's address says: the filters, the device open in its detail, and the alert it was opened from. */
export interface ConsoleState {
  query: ConsoleQuery;
  device: string | null;
  /** The id of the alert whose mail linked here (relay/domain/alert-mail.ts consoleLink). */
  alert: string | null;
}

/** The state a `?level=high&device=…` address holds; unknown parameters and empty values are left out. */
export function readConsoleState(search: string): ConsoleState {
  const params = new URLSearchParams(search);
  const query: ConsoleQuery = {};
  for (const name of DEVICE_FILTERS) {
    const value = params.get(name)?.trim();
    if (value) query[name] = value;
  }
  const sort = params.get('sort');
  if (DEVICE_SORTS.includes(sort as DeviceSort)) query.sort = sort as DeviceSort;
  return { query, device: params.get('device') || null, alert: params.get('alert') || null };
}

/** The address of a state, on the Fleet tab: `?…#fleet`. */
export function consoleAddress(state: ConsoleState): string {
  const params = new URLSearchParams(apiQuery(state.query));
  if (state.device) params.set('device', state.device);
  if (state.alert) params.set('alert', state.alert);
  const search = params.toString();
  return `${search ? `?${search}` : location.pathname}#fleet`;
}

/** The query as the relay takes it, empty values left out. */
export function apiQuery(query: ConsoleQuery): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
}
