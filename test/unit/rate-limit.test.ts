import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MutationRateLimiter } from '../../src/core/rate-limit.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { describeRefusal, waitWords } from '../../src/slack/blocks/refusal.js';

const MINUTE = 60_000;

/** A limiter and its store on one hand-moved clock, starting at `start` (ms since the epoch). */
function limiter(limit: number, windowMs: number, start = Date.UTC(2026, 11, 1)) {
  const clock = { now: start };
  const now = () => clock.now;
  return { clock, rate: new MutationRateLimiter(new MemoryStateStore(now), limit, windowMs, now) };
}

describe('MutationRateLimiter: at most `limit` changes in any span of the window', () => {
  it('a window’s edge does not hand out a second allowance', async () => {
    // Just before a minute's edge, as a fixed window counted from the epoch would see it.
    const { clock, rate } = limiter(2, MINUTE, Date.UTC(2026, 11, 1, 0, 0, 59, 900));
    expect((await rate.take('U1', 2)).kind).toBe('allowed');
    clock.now += 200;
    const refused = await rate.take('U1');
    expect(refused).toMatchObject({ kind: 'limited', limit: 2 });
    // The wait is until the first two leave the window (a minute after them, within one bucket).
    const wait = refused.kind === 'limited' ? refused.retryAfterMs : 0;
    expect(wait).toBeGreaterThan(MINUTE - 200 - 1);
    expect(wait).toBeLessThanOrEqual(MINUTE - 200 + MINUTE / 128);
    clock.now += wait - 1;
    expect((await rate.take('U1')).kind).toBe('limited');
    clock.now += 1;
    expect((await rate.take('U1')).kind).toBe('allowed');
  });

  it('a refused attempt counts nothing, and people are counted apart', async () => {
    const { clock, rate } = limiter(3, MINUTE);
    expect((await rate.take('U1', 3)).kind).toBe('allowed');
    for (let i = 0; i < 10; i++) expect((await rate.take('U1')).kind).toBe('limited');
    expect((await rate.take('U2', 3)).kind).toBe('allowed');
    clock.now += MINUTE + MINUTE / 128;
    expect((await rate.take('U1', 3)).kind).toBe('allowed');
  });

  it('a request larger than the limit is refused whole, with a whole window to wait', async () => {
    const { rate } = limiter(2, MINUTE);
    expect(await rate.take('U1', 3)).toEqual({
      kind: 'limited',
      retryAfterMs: MINUTE,
      limit: 2,
      used: 0,
      wanted: 3,
    });
    expect((await rate.take('U1', 2)).kind).toBe('allowed');
  });

  it('keeps a small record whatever the limit', async () => {
    const store = new MemoryStateStore();
    const rate = new MutationRateLimiter(store, 100_000, 3_600_000);
    for (let i = 0; i < 500; i++) await rate.take('U1');
    expect(((await store.get<unknown[]>('rate', 'U1')) ?? []).length).toBeLessThanOrEqual(128);
  });

  it('a burst of one person’s changes under the limit is all allowed, on one replica or two sharing a store', async () => {
    const store = new MemoryStateStore();
    const replicas = [
      new MutationRateLimiter(store, 100, MINUTE),
      new MutationRateLimiter(store, 100, MINUTE),
    ];
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => replicas[i % 2]?.take('U1') ?? Promise.reject(new Error('none'))),
    );
    expect(decisions.filter((d) => d.kind === 'allowed').length).toBe(60);
    const refused = await replicas[0]?.take('U1', 41);
    expect(refused).toMatchObject({ kind: 'limited', used: 60, wanted: 41 });
  });

  it('concurrent changes by one person never exceed the limit together', async () => {
    const { rate } = limiter(5, MINUTE);
    const decisions = await Promise.all(Array.from({ length: 20 }, () => rate.take('U1')));
    expect(decisions.filter((d) => d.kind === 'allowed').length).toBe(5);
  });

  it('decides as the sliding log of bucketed changes does, and its waits are exact (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1_000, max: 86_400_000 }),
        fc.array(
          fc.record({
            advance: fc.double({ min: 0, max: 1.5, noNaN: true }),
            changes: fc.integer({ min: 1, max: 9 }),
          }),
          {
            maxLength: 40,
          },
        ),
        async (limit, windowMs, steps) => {
          const { clock, rate } = limiter(limit, windowMs);
          const bucketMs = Math.ceil(windowMs / 128);
          const taken: { at: number; stamp: number; changes: number }[] = [];
          const usedAt = (t: number) =>
            taken.filter((c) => c.stamp + windowMs > t).reduce((sum, c) => sum + c.changes, 0);
          for (const step of steps) {
            clock.now += Math.floor(step.advance * windowMs);
            const now = clock.now;
            const decision = await rate.take('U1', step.changes);
            const fits = usedAt(now) + step.changes <= limit;
            expect(decision.kind).toBe(fits ? 'allowed' : 'limited');
            if (decision.kind === 'allowed') {
              taken.push({ at: now, stamp: Math.ceil(now / bucketMs) * bucketMs, changes: step.changes });
              // Never more than the limit in the span of a window ending now, counted by real times.
              const inWindow = taken.filter((c) => c.at > now - windowMs);
              expect(inWindow.reduce((sum, c) => sum + c.changes, 0)).toBeLessThanOrEqual(limit);
            } else if (step.changes <= limit) {
              const wait = decision.retryAfterMs;
              expect(usedAt(now + wait) + step.changes).toBeLessThanOrEqual(limit);
              expect(usedAt(now + wait - 1) + step.changes).toBeGreaterThan(limit);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the rate-limit refusal in words', () => {
  const refusal = (retryAfterMs: number, windowMs = MINUTE, limit = 30, used = limit, wanted = 1) =>
    describeRefusal({ code: 'rate_limited', limit, windowMs, retryAfterMs, used, wanted }, 'resume');

  it('names what was counted, the limit, the window and a wait after which trying again works', () => {
    expect(refusal(41_200)).toBe(
      'You have made 30 changes within 1m, and Flowbot allows one person 30 changes within 1m (FLOW_RATE_LIMIT). Try again in 42 seconds.',
    );
    expect(refusal(1, 3_600_000, 1)).toContain(
      'made 1 change within 1h, and Flowbot allows one person 1 change',
    );
    expect(refusal(1, 3_600_000, 1)).toContain('Try again in 1 second.');
    // Not the limit: what was counted (a bulk request of 2 units beside 29 changes).
    expect(refusal(5_000, MINUTE, 30, 29, 2)).toContain('You have made 29 changes within 1m');
  });

  it('says a request larger than the whole limit can never go through, instead of a wait', () => {
    const text = refusal(MINUTE, 3_600_000, 1, 0, 2);
    expect(text).toContain('This counts as 2 changes at once');
    expect(text).toContain('can never go through as it is');
    expect(text).not.toContain('Try again in');
    expect(text).not.toContain('You have made');
  });

  it('rounds waits up, in the unit a person reads best', () => {
    expect(waitWords(0)).toBe('1 second');
    expect(waitWords(89_000)).toBe('89 seconds');
    expect(waitWords(90_000)).toBe('2 minutes');
    expect(waitWords(3_600_000)).toBe('60 minutes');
    expect(waitWords(5_400_000)).toBe('1 hour 30 minutes');
    expect(waitWords(7_200_000)).toBe('2 hours');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), (ms) => {
        const [count, unit] = waitWords(ms).split(' ');
        const perUnit =
          { second: 1_000, minute: 60_000, hour: 3_600_000 }[(unit ?? '').replace(/s$/, '')] ?? 0;
        const rest = waitWords(ms).match(/ (\d+) minutes?$/);
        const told = Number(count) * perUnit + (rest && perUnit === 3_600_000 ? Number(rest[1]) * 60_000 : 0);
        expect(told).toBeGreaterThanOrEqual(ms);
      }),
    );
  });
});
