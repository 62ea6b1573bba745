import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit.js';
import { formatDuration } from '../../src/core/durations.js';
import type { KeyRef } from '../../src/core/keys.js';
import { impliedActions } from '../../src/core/operations/change.js';
import type { Outcome } from '../../src/core/operations/outcome.js';
import type { Refusal } from '../../src/core/operations/refusal.js';
import { QStashError } from '../../src/core/qstash/errors.js';
import { planRamp, type RampPlan } from '../../src/core/ramp/ramp-plan.js';
import type { Ramp } from '../../src/core/ramp/ramp-record.js';
import { type RampPipeline, Ramps } from '../../src/core/ramp/ramps.js';
import { TimedWork, type TimedWorkReporter } from '../../src/core/scheduler/timed-work.js';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { rampMessage } from '../../src/slack/blocks/ramp.js';
import { since, timedResumeMessage } from '../../src/slack/blocks/schedule.js';
import { keyState } from './fixtures.js';

const T0 = 1_700_000_000_000;
const ORDERS: KeyRef = { environment: 'prod', key: 'orders' };
const STARTER = 'U0STARTER';

type Request = Parameters<RampPipeline['run']>[0];

/** The pipeline as scheduled work sees it: each call answered by the next scripted outcome, or done. */
class ScriptedPipeline implements RampPipeline {
  readonly calls: { request: Request; rateCounted: boolean }[] = [];
  readonly script: ((request: Request) => Outcome | undefined)[] = [];

  async run(request: Request, options: { rateCounted?: boolean } = {}): Promise<Outcome> {
    this.calls.push({ request, rateCounted: options.rateCounted === true });
    const scripted = this.script.shift()?.(request);
    return (
      scripted ?? {
        kind: 'done',
        action: request.change.action,
        target: request.target,
        actorId: request.actorId,
        source: request.source,
        requestId: request.requestId,
        before: undefined,
        after: undefined,
        at: new Date(T0),
      }
    );
  }

  async peek(): Promise<undefined> {
    return undefined;
  }

  /** What the next call answers. */
  next(answer: (request: Request) => Outcome | undefined): void {
    this.script.push(answer);
  }
}

const refused =
  (refusal: Refusal) =>
  (request: Request): Outcome => ({
    kind: 'refused',
    action: request.change.action,
    target: request.target,
    refusal,
  });
const failed = (request: Request): Outcome => ({
  kind: 'failed',
  action: request.change.action,
  target: request.target,
  error: new QStashError({ kind: 'unavailable', status: 503, attempts: 4 }),
});
const RATE_LIMITED: Refusal = {
  code: 'rate_limited',
  limit: 3,
  windowMs: 60_000,
  retryAfterMs: 20_000,
  used: 3,
  wanted: 1,
};
const NO_PIN: Refusal = { code: 'not_granted', action: 'pin', scope: 'deny_rule', onKey: true };

describe('what a change implies', () => {
  it('a timed pause needs resume too, a ramp resume, pin and unpin', () => {
    expect(impliedActions({ action: 'pause' })).toEqual(['pause']);
    expect(impliedActions({ action: 'pause', forMs: 60_000 })).toEqual(['pause', 'resume']);
    expect(impliedActions({ action: 'ramp', request: {} })).toEqual(['ramp', 'resume', 'pin', 'unpin']);
    expect(impliedActions({ action: 'reset-rate' })).toEqual(['reset-rate']);
  });
});

describe('a ramp’s changes, through the pipeline as its starter', () => {
  let now: number;
  let pipeline: ScriptedPipeline;
  let ramps: Ramps;
  let reported: Ramp[];
  let plan: RampPlan;

  beforeEach(() => {
    now = T0;
    pipeline = new ScriptedPipeline();
    reported = [];
    const store = new MemoryStateStore(() => now);
    ramps = new Ramps(
      store,
      pipeline,
      {
        report: async (ramp) => {
          reported.push(ramp);
          return ramp.message ? undefined : { channel: 'C0INC', ts: '1.1' };
        },
      },
      () => now,
    );
    const planned = planRamp(keyState({ paused: true, waitlistSize: 500, rateMax: 50, ratePeriod: 1 }), {
      overSeconds: 60,
    });
    if (planned.kind !== 'ok') throw new Error('no plan');
    plan = planned.plan;
  });

  const start = () =>
    ramps.start({
      target: ORDERS,
      plan,
      startedBy: STARTER,
      channelId: 'C0INC',
      requestId: 'req-1',
      approvedBy: 'U0APPROVER',
    });
  const step = async () => {
    now += plan.stepSeconds * 1000;
    await ramps.advanceDue();
  };
  const last = () => reported.at(-1)!;

  it('starts with a pin and a resume, already counted; every change is the starter’s, with the ramp’s approval', async () => {
    expect(await start()).toMatchObject({ kind: 'started' });
    await step();
    expect(pipeline.calls.map((c) => [c.request.change.action, c.rateCounted])).toEqual([
      ['pin', true],
      ['resume', true],
      ['pin', false],
    ]);
    for (const { request } of pipeline.calls)
      expect(request).toMatchObject({
        actorId: STARTER,
        source: 'ramp',
        requestId: 'req-1',
        approvedBy: 'U0APPROVER',
      });
  });

  it('a step no longer allowed stops the ramp where it is, and says why', async () => {
    await start();
    pipeline.next(refused(NO_PIN));
    await step();
    expect(last()).toMatchObject({ status: 'stopped', event: { kind: 'refused', refusal: NO_PIN } });
    const text = JSON.stringify(rampMessage(last(), undefined, { environmentCount: 1 }).blocks);
    expect(text).toContain(`who may no longer pin this key`);
    expect(text).toContain('a deny rule covers it');
    await step();
    expect(pipeline.calls).toHaveLength(3);
  });

  it('a step over the starter’s rate limit waits and is tried again, not dropped', async () => {
    await start();
    pipeline.next(refused(RATE_LIMITED));
    await step();
    expect(last()).toMatchObject({ status: 'running', event: { kind: 'deferred', until: now + 20_000 } });
    await step();
    expect(pipeline.calls).toHaveLength(3);
    now += 20_000;
    await ramps.advanceDue();
    expect(pipeline.calls).toHaveLength(4);
    expect(pipeline.calls.at(-1)?.request.change).toMatchObject({ action: 'pin' });
  });

  it('Slack not answering a group lookup is passing trouble: the step is retried, the ramp not stopped', async () => {
    await start();
    pipeline.next(refused({ code: 'directory_unavailable' }));
    await step();
    expect(last()).toMatchObject({ status: 'running', event: { kind: 'step_failed', stuck: false } });
  });

  it('a restore over the starter’s rate limit is remembered and finished when the limit allows', async () => {
    await start();
    pipeline.next(() => undefined); // the restore's pin
    pipeline.next(refused(RATE_LIMITED)); // its unpin
    expect(await ramps.finish('prod:orders', 'U0CLICKER')).toMatchObject({ kind: 'done' });
    expect(last()).toMatchObject({
      status: 'done',
      restore: 'unpin',
      event: { kind: 'finished_early', restored: false },
    });
    expect(JSON.stringify(rampMessage(last(), undefined, { environmentCount: 1 }).blocks)).toContain(
      'will be put back as soon as',
    );
    now += 20_000;
    await ramps.advanceDue();
    expect(pipeline.calls.map((c) => c.request.change.action)).toEqual([
      'pin',
      'resume',
      'pin',
      'unpin',
      'unpin',
    ]);
    const restored = await ramps.get('prod:orders');
    expect(restored?.restore).toBeUndefined();
    expect(restored?.event).toMatchObject({ restored: true });
  });

  it('Abort pauses as the person who clicked, and restores as the starter', async () => {
    await start();
    await ramps.abort('prod:orders', 'U0CLICKER', {
      requestId: 'req-2',
      actorId: 'U0CLICKER',
      target: ORDERS,
      channelId: 'C0INC',
      source: 'button',
      change: { action: 'pause' },
    });
    expect(
      pipeline.calls.slice(2).map((c) => [c.request.change.action, c.request.actorId, c.request.source]),
    ).toEqual([
      ['pause', 'U0CLICKER', 'button'],
      ['pin', STARTER, 'ramp'],
      ['unpin', STARTER, 'ramp'],
    ]);
    expect(last()).toMatchObject({
      status: 'aborted',
      event: { kind: 'aborted', by: 'U0CLICKER', restored: true },
    });
  });
});

describe('a timed pause’s resume, through the pipeline as the person who paused', () => {
  let now: number;
  let pipeline: ScriptedPipeline;
  let told: { timer: Timer; outcome: Outcome }[];
  /** The keys of each message about a group's timed pause. */
  let groups: string[][];
  let audits: AuditEvent[];
  let work: TimedWork;
  const timer: Timer = {
    id: 'resume:prod:orders',
    kind: 'resume',
    target: ORDERS,
    channelId: 'C0INC',
    actorId: 'U0PAUSER',
    requestId: 'req-pause',
    approvedBy: 'U0APPROVER',
    pausedAt: T0,
    dueAt: T0 + 60_000,
  };

  beforeEach(() => {
    now = T0 + 60_000;
    pipeline = new ScriptedPipeline();
    told = [];
    groups = [];
    audits = [];
    const reporter: TimedWorkReporter = {
      timedResume: async (t, outcome) => {
        told.push({ timer: t, outcome });
      },
      reminder: async () => {},
      timedResumes: async (ended) => {
        groups.push(ended.map((end) => end.timer.target.key));
        told.push(...ended);
      },
      reminders: async () => {},
      approvalExpired: async () => {},
    };
    work = new TimedWork(
      {
        run: (request, counted) => pipeline.run(request as Request, { rateCounted: counted }),
        peek: () => pipeline.peek(),
      },
      reporter,
      { record: (event) => audits.push(event) },
      undefined,
      () => now,
    );
  });

  it('resumes as the person who paused, with the pause’s request id and approval, and tells the channel', async () => {
    expect(await work.fireTimer(timer)).toBeUndefined();
    expect(pipeline.calls[0]?.request).toMatchObject({
      actorId: 'U0PAUSER',
      source: 'timer',
      requestId: 'req-pause',
      approvedBy: 'U0APPROVER',
      change: { action: 'resume' },
    });
    expect(pipeline.calls[0]?.rateCounted).toBe(false);
    expect(told.map((t) => t.outcome.kind)).toEqual(['done']);
  });

  it('not allowed any more: not resumed, the channel told why, and not tried again', async () => {
    pipeline.next(refused({ code: 'not_granted', action: 'resume', scope: 'not_covered', onKey: true }));
    expect(await work.fireTimer(timer)).toBeUndefined();
    expect(told).toHaveLength(1);
    const text = timedResumeMessage(timer, told[0]!.outcome, { environmentCount: 1 }, now).text;
    expect(text).toContain('Flowbot did not resume it');
    expect(text).toContain('does not let them resume on this key: their access doesn’t cover it');
  });

  it('a group’s keys are each resumed as the person who paused them, and told in one message', async () => {
    const keys = ['bulk-1', 'bulk-2', 'bulk-3'];
    const grouped = keys.map((key) => ({
      ...timer,
      id: `resume:prod:${key}`,
      target: { environment: 'prod', key },
      group: 'req-pause',
    }));
    pipeline.next(() => undefined);
    pipeline.next(failed);
    const plans = await work.fireTimers(grouped);
    expect(pipeline.calls.map((c) => [c.request.target.key, c.request.actorId, c.request.source])).toEqual(
      keys.map((key) => [key, 'U0PAUSER', 'timer']),
    );
    expect(groups).toEqual([keys]);
    // Counted against the rate limit with the batch that paused them, not again now.
    expect(pipeline.calls.every((c) => c.rateCounted)).toBe(true);
    // The one QStash could not resume is tried again; the others are done.
    expect(plans.filter(Boolean)).toHaveLength(1);
    expect(plans.find(Boolean)).toMatchObject({ dueAt: now + 60_000, reminders: 1, group: 'req-pause' });
  });

  it('a group’s retries that fail again stay quiet; a lone timer keeps its own message', async () => {
    const grouped = ['bulk-1', 'bulk-2'].map((key) => ({
      ...timer,
      target: { environment: 'prod', key },
      group: 'req-pause',
      reminders: 1,
    }));
    pipeline.next(failed);
    pipeline.next(failed);
    await work.fireTimers(grouped);
    expect(groups).toEqual([]);
    await work.fireTimers([timer]);
    expect(groups).toEqual([]);
    expect(told.map((t) => t.timer.target.key)).toEqual(['orders']);
  });

  it('over the limit: tried again when the window allows, quietly', async () => {
    pipeline.next(refused(RATE_LIMITED));
    expect(await work.fireTimer(timer)).toMatchObject({ kind: 'resume', dueAt: now + 20_000 });
    expect(told).toEqual([]);
  });

  it('QStash or Slack trouble: retried, the channel told once', async () => {
    pipeline.next(failed);
    pipeline.next(refused({ code: 'directory_unavailable' }));
    const first = await work.fireTimer(timer);
    expect(first).toMatchObject({ dueAt: now + 60_000, reminders: 1 });
    const second = await work.fireTimer({ ...timer, ...first! });
    expect(second).toMatchObject({ reminders: 2 });
    expect(told.map((t) => t.outcome.kind)).toEqual(['failed']);
  });
});

describe('how long a key has been paused, in words', () => {
  it('reads the length asked for whenever the scheduler’s tick falls after it is due', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 * 24 * 60 }),
        fc.integer({ min: 0, max: 29_999 }),
        (minutes, lateMs) => {
          const pausedAt = Date.UTC(2026, 11, 1, 23, 59, 59, 999);
          expect(since({ pausedAt }, pausedAt + minutes * 60_000 + lateMs)).toBe(
            formatDuration(minutes * 60),
          );
        },
      ),
    );
  });

  it('counts seconds under a minute', () => {
    expect(since({ pausedAt: 0 }, 0)).toBe('1s');
    expect(since({ pausedAt: 0 }, 1_400)).toBe('1s');
    expect(since({ pausedAt: 0 }, 42_000)).toBe('42s');
    expect(since({ pausedAt: 0 }, 59_000)).toBe('59s');
    expect(since({ pausedAt: 0 }, 59_600)).toBe('1m');
    expect(since({ pausedAt: 0 }, 90_000)).toBe('2m');
  });

  it('tells a timed pause’s end by the length asked for, though its tick fell a moment late', async () => {
    const timer: Timer = {
      id: 'resume:prod:orders',
      kind: 'resume',
      target: ORDERS,
      channelId: 'C0INC',
      actorId: 'U0PAUSER',
      pausedAt: T0,
      dueAt: T0 + 15 * 60_000,
    };
    const outcome: Outcome = {
      kind: 'done',
      action: 'resume',
      target: ORDERS,
      actorId: 'U0PAUSER',
      source: 'timer',
      requestId: 'req-pause',
      before: undefined,
      after: undefined,
      at: new Date(T0 + 15 * 60_000 + 900),
    };
    const text = timedResumeMessage(timer, outcome, { environmentCount: 1 }, T0 + 15 * 60_000 + 900).text;
    expect(text).toContain('15m ago');
  });
});
