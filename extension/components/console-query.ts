import { DEVICE_FILTERS, DEVICE_SORTS, type DeviceCounts, type DeviceFilterName, type DevicesAnswer, type DeviceSort } from '../../shared/fleet';
import { ask } from '../utils/protocol';

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

/** Devices a page of the console's table holds. */
export const PAGE = 100;

/** A list's first page and its counts, asked for together. */
export interface FirstAnswers {
  page: Promise<DevicesAnswer>;
  counts: Promise<DeviceCounts>;
}

export function askFirst(query: ConsoleQuery): FirstAnswers {
  return {
    page: ask({ type: 'devices/list', query: { ...apiQuery(query), limit: String(PAGE) } }),
    counts: ask({ type: 'devices/counts', query: apiQuery({ ...query, sort: undefined }) }),
  };
}

let early: { search: string; answers: FirstAnswers } | null = null;

/**
 * Asks for the address's list as the options page starts, beside the page's own first requests (connection, status,
 * settings) rather than after them: opening the console takes one round of requests, not two. Not connected, the
 * answers are errors nobody takes.
 */
export function askEarly(): void {
  if (location.hash !== '#fleet') return;
  const answers = askFirst(readConsoleState(location.search).query);
  for (const answer of [answers.page, answers.counts]) answer.catch(() => undefined);
  early = { search: location.search, answers };
}

/** The answers asked for early, once, if they were for this address. */
export function takeEarly(): FirstAnswers | null {
  const taken = early?.search === location.search ? early.answers : null;
  early = null;
  return taken;
}
