import { describe, expect, it } from 'vitest';
import { platformOf, ReleaseIndex } from './releases';

const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
const index = new ReleaseIndex([
  {
    source: 'chrome',
    fetchedAt: day('2026-12-01'),
    channels: [
      // Out of order on purpose: feeds list newest first, or by rollout, never by version.
      {
        browser: 'Chrome',
        platform: 'windows',
        channel: 'stable',
        releases: [
          { version: '143.0.7499.110', at: day('2026-11-18') },
          { version: '143.0.7499.40', at: day('2026-11-10') },
          { version: '143.0.7499.169', at: day('2026-11-25') },
        ],
      },
      {
        browser: 'Chrome',
        platform: 'windows',
        channel: 'extended',
        releases: [
          { version: '142.0.7444.162', at: day('2026-11-10') },
          { version: '142.0.7444.176', at: day('2026-11-18') },
        ],
      },
    ],
  },
]);

describe('ReleaseIndex', () => {
  it('answers undefined where no feed covers the browser or platform, so the fleet rule judges it', () => {
    expect(index.superseded('Brave', 'Windows', '1.70.0')).toBeUndefined();
    expect(index.superseded('Chrome', 'Android', '143.0.7499.40')).toBeUndefined();
  });

  it('answers null for the newest release and for versions newer than any (beta, dev)', () => {
    expect(index.superseded('Chrome', 'Windows', '143.0.7499.169')).toBeNull();
    expect(index.superseded('Chrome', 'win', '144.0.7559.3')).toBeNull();
  });

  it("dates a version unknown to the feed, older than its list, from the first newer release on its major's channel", () => {
    expect(index.superseded('Chrome', 'Windows', '143.0.7499.4')).toMatchObject({
      channel: 'stable',
      by: '143.0.7499.40',
      sinceDay: '2026-11-10',
      behind: 3,
      target: '143.0.7499.169',
    });
    expect(index.superseded('Chrome', 'Windows', '142.0.7444.100')).toMatchObject({
      channel: 'extended',
      by: '142.0.7444.162',
      behind: 2,
      target: '142.0.7444.176',
    });
    expect(index.superseded('Chrome', 'Windows', '120.0.6099.71')).toMatchObject({ channel: 'stable', by: '143.0.7499.40', behind: 3 });
  });

  it('answers the same however often it is asked (its answers are kept)', () => {
    const first = index.superseded('Chrome', 'Windows', '143.0.7499.40');
    expect(index.superseded('Chrome', 'Windows', '143.0.7499.40')).toBe(first);
    expect(first).toMatchObject({ by: '143.0.7499.110', behind: 2 });
  });
});

describe('platformOf', () => {
  it('names report platforms as the feeds do', () => {
    expect(['Windows', 'win', 'macOS', 'mac', 'Linux', 'linux', 'Chrome OS', 'cros', 'Android', 'openbsd', 'Fuchsia'].map(platformOf)).toEqual([
      'windows',
      'windows',
      'mac',
      'mac',
      'linux',
      'linux',
      'chromeos',
      'chromeos',
      'android',
      'linux',
      '',
    ]);
  });
});
