import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEYS_PER_RATE_UNIT, keysWithin, rateUnits } from '../../src/core/bulk/bulk-actions.js';
import type { Change } from '../../src/core/operations/change.js';

describe('what a bulk request takes from the rate limit', () => {
  it('one change per 25 keys, rounded up; a timed pause twice that (its resumes come with it)', () => {
    expect(rateUnits(1, { action: 'resume' })).toBe(1);
    expect(rateUnits(25, { action: 'pause' })).toBe(1);
    expect(rateUnits(26, { action: 'pause' })).toBe(2);
    expect(rateUnits(26, { action: 'pause', forMs: 900_000 })).toBe(4);
    expect(rateUnits(0, { action: 'pause', forMs: 900_000 })).toBe(0);
  });

  it('never less than the keys need, for any count and change', () => {
    const changes: Change[] = [
      { action: 'resume' },
      { action: 'pause' },
      { action: 'pause', forMs: 60_000 },
      { action: 'reset-rate' },
    ];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...changes), (keys, change) => {
        const units = rateUnits(keys, change);
        const timed = change.action === 'pause' && change.forMs !== undefined;
        expect(units * KEYS_PER_RATE_UNIT).toBeGreaterThanOrEqual(keys * (timed ? 2 : 1));
        expect(units).toBeLessThanOrEqual(Math.ceil(keys / KEYS_PER_RATE_UNIT) * 2);
      }),
    );
  });

  it('keysWithin is the most keys whose units fit: one more would not (property)', () => {
    const changes: Change[] = [{ action: 'resume' }, { action: 'pause' }, { action: 'pause', forMs: 60_000 }];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.constantFrom(...changes), (units, change) => {
        const keys = keysWithin(units, change);
        if (keys > 0) expect(rateUnits(keys, change)).toBeLessThanOrEqual(units);
        expect(rateUnits(keys + 1, change)).toBeGreaterThan(units);
      }),
    );
  });
});
