import { describe, expect, it } from 'vitest';
import { changeAlert, FOLLOW_UP_FOR_MS, followUp, followUpBases, type SentChange } from './extension-alert';

const DAY = 24 * 3_600_000;
const NOW = Date.UTC(2026, 11, 7);
const change = (key: string) =>
  changeAlert(
    {
      extensionId: 'notesnotesnotesnotesnotesnotesno',
      name: 'Notes',
      from: { version: '1', key: 'k1' },
      to: { version: '2', key },
      added: ['cookies'],
      removed: [],
      leftStore: false,
      installType: 'admin',
      disabledByBrowser: false,
    },
    { id: 'dev-1', label: 'PC 1' },
    NOW - 3 * DAY,
  );
const row = (key: string, o: Partial<SentChange>): SentChange => ({
  reportId: `change:${key}`,
  payload: change(key),
  state: 'sent',
  createdAt: NOW - 3 * DAY,
  sentAt: NOW - 3 * DAY,
  ...o,
});

describe('the follow-up rule', () => {
  it("follows up each change's newest mail once a cooldown has passed since it was sent", () => {
    const first = row('k2', {});
    const later = row('k2', { reportId: 'change:k2:1', createdAt: NOW - DAY / 2, sentAt: NOW - DAY / 2 });
    expect(followUpBases([first, later], DAY, NOW)).toEqual([]); // the newest went half a day ago
    expect(followUpBases([first], DAY, NOW)).toEqual([first]);
    expect(followUpBases([row('k3', { state: 'pending', sentAt: null })], DAY, NOW)).toEqual([]);
    expect(followUpBases([row('k4', { createdAt: NOW - FOLLOW_UP_FOR_MS - 1 })], DAY, NOW)).toEqual([]);
  });

  it('names itself after the mail it follows, so a second pass raises none', () => {
    const base = row('k2', {});
    expect(followUp(base, NOW)).toMatchObject({ reportId: `change:k2:${NOW - 3 * DAY}`, alert: { followUp: { since: NOW - 3 * DAY }, reportedAt: NOW } });
  });
});
