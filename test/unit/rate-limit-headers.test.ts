import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateLimitFacts } from '../../src/core/qstash/rate-limit-headers.js';

const NOW = Date.UTC(2026, 10, 30, 15, 0, 0);
const nowS = NOW / 1000;
const MIDNIGHT = Date.UTC(2026, 11, 1);

describe('rateLimitFacts: which of QStash’s limits a 429 came from', () => {
  it('reads the burst limit from Burst-RateLimit-*', () => {
    expect(
      rateLimitFacts(
        {
          'burst-ratelimit-limit': '100',
          'burst-ratelimit-remaining': '0',
          'burst-ratelimit-reset': String(nowS + 1),
        },
        NOW,
      ),
    ).toEqual({ limit: 'burst', resetAt: NOW + 1000 });
  });

  it('reads the daily quota from RateLimit-*, resetting at the next UTC midnight', () => {
    expect(
      rateLimitFacts(
        { 'ratelimit-limit': '500', 'ratelimit-remaining': '0', 'ratelimit-reset': String(MIDNIGHT / 1000) },
        NOW,
      ),
    ).toEqual({ limit: 'daily', resetAt: MIDNIGHT });
  });

  it('the quota used up outranks a burst header on the same answer', () => {
    expect(
      rateLimitFacts(
        {
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(MIDNIGHT / 1000),
          'burst-ratelimit-remaining': '3',
          'burst-ratelimit-reset': String(nowS + 1),
        },
        NOW,
      ).limit,
    ).toBe('daily');
  });

  it('takes the older spelling of the burst limit (RateLimit-* resetting within a minute) as a burst', () => {
    expect(rateLimitFacts({ 'ratelimit-remaining': '0', 'ratelimit-reset': String(nowS + 1) }, NOW)).toEqual({
      limit: 'burst',
      resetAt: NOW + 1000,
    });
  });

  it('reads the daily quota as daily at any moment of the day, its last minute included', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY - 1 }), fc.nat({ max: 2_000 }), (sinceMidnight, limit) => {
        const now = Date.UTC(2026, 11, 1) + sinceMidnight;
        const midnight = Date.UTC(2026, 11, 2);
        const headers = {
          'ratelimit-limit': String(limit),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(midnight / 1000),
        };
        expect(rateLimitFacts(headers, now)).toEqual({ limit: 'daily', resetAt: midnight });
        // The same answer with a burst still left in the second, as QStash may send both.
        expect(
          rateLimitFacts({ ...headers, 'burst-ratelimit-remaining': '5', 'burst-ratelimit-reset': '1' }, now)
            .limit,
        ).toBe('daily');
      }),
    );
    // A second before midnight, the burst limit is still the burst limit.
    const lastSecond = Date.UTC(2026, 11, 1, 23, 59, 59);
    expect(
      rateLimitFacts(
        { 'burst-ratelimit-remaining': '0', 'burst-ratelimit-reset': String(lastSecond / 1000 + 1) },
        lastSecond,
      ),
    ).toEqual({ limit: 'burst', resetAt: lastSecond + 1000 });
  });

  it('says nothing it was not told', () => {
    expect(rateLimitFacts(undefined, NOW)).toEqual({ limit: undefined, resetAt: undefined });
    expect(rateLimitFacts({}, NOW)).toEqual({ limit: undefined, resetAt: undefined });
    expect(rateLimitFacts({ 'burst-ratelimit-reset': 'soon' }, NOW)).toEqual({
      limit: undefined,
      resetAt: undefined,
    });
  });

  it('never throws and never gives a reset that is not a finite time, whatever the headers hold', () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('0', '-1', 'NaN', '1e400', '', ' '),
      fc.nat().map(String),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            'burst-ratelimit-reset': value,
            'burst-ratelimit-remaining': value,
            'ratelimit-reset': value,
            'ratelimit-remaining': value,
          },
          { requiredKeys: [] },
        ),
        (headers) => {
          const facts = rateLimitFacts(headers, NOW);
          if (facts.resetAt !== undefined) expect(Number.isFinite(facts.resetAt)).toBe(true);
          expect([undefined, 'burst', 'daily']).toContain(facts.limit);
        },
      ),
    );
  });
});
