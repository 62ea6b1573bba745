import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InFlightBudget } from '../../src/core/in-flight-budget.js';

describe('InFlightBudget: a share of the bound on work in flight', () => {
  it('takes units while they fit beside the other work, and gives them back once', () => {
    let others = 3;
    const budget = new InFlightBudget(10, () => others);
    const first = budget.take(4);
    expect(first).toBeDefined();
    expect(budget.take(4)).toBeUndefined();
    expect(budget.inUse).toBe(4);
    first?.();
    first?.();
    expect(budget.inUse).toBe(0);
    others = 9;
    expect(budget.take(2)).toBeUndefined();
    expect(budget.take(1)).toBeDefined();
  });

  it('lets one request through when nothing else is in flight, however large', () => {
    const budget = new InFlightBudget(5);
    const large = budget.take(32);
    expect(large).toBeDefined();
    expect(budget.take(1)).toBeUndefined();
    large?.();
    expect(budget.take(1)).toBeDefined();
  });

  it('never holds more than the bound beside other work, and ends where it began (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(
          fc.record({ units: fc.double({ min: -5, max: 200 }), others: fc.nat(120), release: fc.boolean() }),
          {
            maxLength: 60,
          },
        ),
        (max, steps) => {
          let others = 0;
          const budget = new InFlightBudget(max, () => others);
          const held: (() => void)[] = [];
          for (const step of steps) {
            others = step.others;
            const before = budget.inUse;
            const release = budget.take(step.units);
            if (release) {
              held.push(release);
              if (before + others > 0) expect(budget.inUse + others).toBeLessThanOrEqual(max);
            } else expect(budget.inUse).toBe(before);
            if (step.release) held.shift()?.();
          }
          for (const release of held) release();
          expect(budget.inUse).toBe(0);
        },
      ),
    );
  });
});
