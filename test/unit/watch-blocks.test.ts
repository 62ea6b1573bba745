import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WatchedCondition } from '../../src/core/alerts/alert-signal.js';
import type { Incident } from '../../src/core/alerts/incident.js';
import { WATCH_KINDS, type WatchKind } from '../../src/core/alerts/watch-conditions.js';
import type { DrainEstimate } from '../../src/core/qstash/drain.js';
import { alertWords } from '../../src/slack/blocks/alert.js';
import { drainLine, drainWords, ratePeriodEnd, roughDuration } from '../../src/slack/blocks/drain.js';
import { livingAlertMessage } from '../../src/slack/blocks/living-alert.js';
import { describeRefusal, validateMessage } from '../../stand-ins/block-kit.js';
import { allStrings, keyState } from './fixtures.js';

const naming = { environmentCount: 1, defaultEnvironment: 'default' };
const AT = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));

function incident(key: string, words: { title: string; text: string | undefined }): Incident {
  return {
    id: `default:${key}`,
    target: { environment: 'default', key },
    channel: 'CALERTS01',
    ts: '1700000000.000100',
    status: 'open',
    title: words.title,
    ...(words.text ? { text: words.text } : {}),
    sources: ['watcher'],
    count: 1,
    firstSeen: AT.getTime(),
    lastSeen: AT.getTime(),
  };
}

function buttonIds(blocks: unknown): string[] {
  return ((blocks as { type: string; elements?: { action_id: string }[] }[]) ?? []).flatMap((block) =>
    block.type === 'actions' ? (block.elements ?? []).map((element) => element.action_id) : [],
  );
}

describe('drain wording', () => {
  it('rounds durations for a person', () => {
    expect(roughDuration(0)).toBe('under a minute');
    expect(roughDuration(59_999)).toBe('under a minute');
    expect(roughDuration(12 * 60_000 + 20_000)).toBe('about 12m');
    expect(roughDuration(3 * 3_600_000 + 20 * 60_000)).toBe('about 3h 20m');
    expect(roughDuration(3 * 3_600_000 - 10_000)).toBe('about 3h');
    expect(roughDuration(2 * 86_400_000 + 4 * 3_600_000)).toBe('about 2d 4h');
    expect(roughDuration(400 * 86_400_000)).toBe('more than a year');
  });

  it('says every kind of estimate', () => {
    const cases: [DrainEstimate, string][] = [
      [{ kind: 'empty' }, 'nothing waiting'],
      [{ kind: 'paused' }, 'not draining: the key is paused'],
      [
        { kind: 'unknown', reason: 'no_rate' },
        'unknown: no rate set (parallelism alone does not say how fast)',
      ],
      [{ kind: 'unknown', reason: 'no_movement' }, 'unknown: nothing is moving'],
      [{ kind: 'estimate', ms: 0, basis: 'rate' }, 'within the current rate period'],
      [{ kind: 'estimate', ms: 720_000, basis: 'rate' }, 'about 12m at the current rate'],
      [{ kind: 'estimate', ms: 720_000, basis: 'observed' }, 'about 12m at the pace seen'],
    ];
    for (const [estimate, words] of cases) expect(drainWords(estimate)).toBe(words);
  });

  it('gives the rate period end as a Slack date with an ISO fallback, or nothing when it is not known', () => {
    const start = AT.getTime() / 1000 - 15;
    const state = keyState({ rateMax: 50, rateCount: 20, ratePeriod: 60, ratePeriodStart: start });
    expect(ratePeriodEnd(state, AT)).toBe(
      `<!date^${start + 60}^{date_short_pretty} at {time_secs}|${new Date((start + 60) * 1000).toISOString()}>`,
    );
    expect(ratePeriodEnd(keyState({ rateMax: 50 }), AT)).toBeUndefined();
    expect(ratePeriodEnd(keyState(), AT)).toBeUndefined();
    expect(drainLine({ ...state, waitlistSize: 130 }, AT)).toMatch(
      /^\*Time to drain:\* about 2m at the current rate · \*Rate period ends:\* <!date\^/,
    );
  });
});

describe('watcher alerts', () => {
  const base: WatchedCondition = { kind: 'backlogged', waitlist: 1_500, threshold: 1_000 };

  it('names the most pressing condition and lists each active one', () => {
    const watched: WatchedCondition = {
      ...base,
      kind: 'stuck',
      conditions: ['stuck', 'growing', 'backlogged'],
      rounds: { saturated: 0, stuck: 4 },
      growth: { by: 600, rounds: 5, overMs: 300_000 },
      drain: { kind: 'unknown', reason: 'no_movement' },
    };
    const words = alertWords({ watched }, { environment: 'default', key: 'orders-eu' }, undefined, naming);
    expect(words.title).toBe('orders-eu is stuck');
    expect(words.text?.split('\n')).toEqual([
      'Stuck: not paused, 1,500 messages waiting and none in flight for 4 checks in a row.',
      'Growing: the waitlist grew by 600 over the last 5 checks (about 120 a minute), faster than it drains.',
      '1,500 messages are waiting (threshold 1,000).',
      'Time to drain: unknown: nothing is moving.',
    ]);
  });

  it('has a title for every condition', () => {
    const titles = WATCH_KINDS.map(
      (kind) =>
        alertWords({ watched: { ...base, kind } }, { environment: 'default', key: 'k' }, undefined, naming)
          .title,
    );
    expect(titles).toEqual([
      'k is paused',
      'k is stuck',
      'Global parallelism is near its maximum',
      'k is saturated',
      'k has a growing waitlist',
      'k has a backlog',
    ]);
  });

  it('offers Resume on a paused key, neither Resume nor Pause on `$`, and Status and Pause on a stuck key', () => {
    const paused = keyState({ key: 'orders-eu', paused: true, waitlistSize: 10 });
    const pausedAlert = livingAlertMessage(
      incident('orders-eu', { title: 'orders-eu is paused', text: undefined }),
      paused,
      naming,
      AT,
    );
    expect(buttonIds(pausedAlert.blocks)).toContain('flow_resume');
    expect(allStrings(pausedAlert).join('\n')).toContain('*Time to drain:* not draining: the key is paused');

    const stuck = keyState({ key: 'emails', waitlistSize: 10 });
    expect(
      buttonIds(
        livingAlertMessage(incident('emails', { title: 't', text: undefined }), stuck, naming, AT).blocks,
      ),
    ).toEqual(['flow_status', 'flow_pause']);

    const global = incident('$', { title: 'Global parallelism is near its maximum', text: undefined });
    expect(buttonIds(livingAlertMessage(global, undefined, naming, AT).blocks)).toEqual([]);
    expect(
      buttonIds(livingAlertMessage(global, keyState({ key: '$', waitlistSize: 4 }), naming, AT).blocks),
    ).toEqual(['flow_status']);
  });

  const kindArb = fc.constantFrom<WatchKind>(...WATCH_KINDS);
  const count = fc.oneof(fc.integer({ min: 0, max: 1e12 }), fc.constant(0));
  const drainArb: fc.Arbitrary<DrainEstimate> = fc.oneof(
    fc.constant({ kind: 'empty' } as const),
    fc.constant({ kind: 'paused' } as const),
    fc.constantFrom('no_rate', 'no_movement').map((reason) => ({ kind: 'unknown', reason }) as const),
    fc.record({
      kind: fc.constant('estimate' as const),
      ms: fc.integer({ min: 0, max: 2 ** 52 }),
      basis: fc.constantFrom('rate', 'observed') as fc.Arbitrary<'rate' | 'observed'>,
    }),
  );
  const watchedArb: fc.Arbitrary<WatchedCondition> = fc.record({
    kind: kindArb,
    conditions: fc.uniqueArray(kindArb, { minLength: 1, maxLength: 6 }),
    waitlist: count,
    threshold: count,
    parallelism: fc.record({ count, max: fc.option(count, { nil: undefined }) }),
    rounds: fc.record({
      saturated: fc.integer({ min: 0, max: 1_000 }),
      stuck: fc.integer({ min: 0, max: 1_000 }),
    }),
    growth: fc.record({
      by: fc.integer({ min: -1e9, max: 1e9 }),
      rounds: fc.integer({ min: 1, max: 1_000 }),
      overMs: fc.integer({ min: 0, max: 1e9 }),
    }),
    global: fc.record({ count, max: count, percent: fc.integer({ min: 1, max: 100 }) }),
    drain: drainArb,
  });
  const hostileKey = fc.oneof(
    fc.constantFrom('<!channel>', '*bold* _x_ `code`', '<https://evil.example|click>', '&amp; &lt;', '$'),
    fc.string({ minLength: 1, maxLength: 256 }),
  );

  it('fits what Slack accepts and never lets a key ping, link or format, whatever the watcher saw (property)', () => {
    fc.assert(
      fc.property(watchedArb, hostileKey, (watched, key) => {
        const words = alertWords({ watched }, { environment: 'default', key }, undefined, naming);
        const message = livingAlertMessage(
          incident(key, words),
          keyState({ key, waitlistSize: watched.waitlist }),
          naming,
          AT,
        );
        const refusal = validateMessage({ text: message.text, blocks: message.blocks }, 'chat.postMessage');
        expect(refusal && describeRefusal(refusal)).toBeUndefined();
        // Button values carry the key as data (never shown): what is drawn is every other block.
        const text = JSON.stringify(
          (message.blocks ?? []).filter((block) => (block as { type: string }).type !== 'actions'),
        );
        expect(text).not.toContain('<!channel>');
        expect(text).not.toContain('<https://evil.example');
        expect(text).not.toMatch(/NaN|Infinity|undefined/);
      }),
      { numRuns: 300 },
    );
  });
});
