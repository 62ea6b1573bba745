import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit.js';
import type { ApprovalRequest } from '../operations/approvals.js';
import type { ChangeRequest, QStashChange } from '../operations/change.js';
import type { Outcome } from '../operations/outcome.js';
import { pool } from '../pool.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { ScheduledWork } from './scheduler.js';
import type { Timer } from './timers.js';

/** How the adapter tells people about scheduled work (the words are its own). */
export interface TimedWorkReporter {
  /** The end of a timed pause: resumed, refused (no longer allowed) or failed (still paused). */
  timedResume(timer: Timer, outcome: Outcome): Promise<void>;
  /** A key paused through Flowbot, still paused. */
  reminder(timer: Timer, state: FlowKeyState): Promise<void>;
  /** The end of a group's timed pause (keys paused by one request), told once for all its keys. */
  timedResumes(ended: readonly TimedResumeEnd[]): Promise<void>;
  /** A group's keys still paused, in one nudge. */
  reminders(stillPaused: readonly StillPaused[]): Promise<void>;
  /** An approval request nobody decided in time. */
  approvalExpired(request: ApprovalRequest): Promise<void>;
}

export interface TimedResumeEnd {
  readonly timer: Timer;
  readonly outcome: Outcome;
}

export interface StillPaused {
  readonly timer: Timer;
  readonly state: FlowKeyState;
}

/** What scheduled work needs from the flow operations. */
export interface TimedWorkOperations {
  /** `counted`: the change was counted against the rate limit with the request that planned it. */
  run(request: ChangeRequest & { readonly change: QStashChange }, counted: boolean): Promise<Outcome>;
  peek(target: Timer['target']): Promise<FlowKeyState | 'not_found' | undefined>;
}

const RETRY_MS = 60_000;
const MAX_RETRIES = 30;
/** Keys of a group resumed or checked at once: the pipeline's QStash bound paces them further. */
const GROUP_CONCURRENCY = 4;

type Plan = Omit<Timer, 'id'> | undefined;

/**
 * What the scheduler's due work means: a timed resume (through the pipeline, as the person who paused the
 * key, authorized again now), a reminder, an expired approval. Returns the timer's next plan, if any.
 */
export class TimedWork implements ScheduledWork {
  constructor(
    private readonly operations: TimedWorkOperations,
    private readonly reporter: TimedWorkReporter,
    private readonly audit: AuditLog,
    private readonly reminderMs: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async fireTimer(timer: Timer): Promise<Plan> {
    return (await this.fireTimers([timer]))[0];
  }

  /**
   * Fires timers of one kind and group together: each key through the pipeline on its own, and one message
   * for all of them (a lone timer keeps its own message). Returns each timer's next plan, in their order.
   */
  async fireTimers(timers: readonly Timer[]): Promise<Plan[]> {
    const at = this.now();
    const plans: Plan[] = new Array(timers.length).fill(undefined);
    const indexed = timers.map((timer, index) => ({ timer, index }));
    if (timers[0]?.kind === 'resume') {
      const ended: TimedResumeEnd[] = [];
      await pool(indexed, GROUP_CONCURRENCY, async ({ timer, index }) => {
        const { plan, tell } = await this.timedResume(timer, at);
        plans[index] = plan;
        if (tell) ended.push({ timer, outcome: tell });
      });
      const told = inOrder(ended, timers);
      const [only] = told;
      if (only && timers.length === 1) await this.reporter.timedResume(only.timer, only.outcome);
      else if (told.length > 0) await this.reporter.timedResumes(told);
      return plans;
    }
    const stillPaused: StillPaused[] = [];
    await pool(indexed, GROUP_CONCURRENCY, async ({ timer, index }) => {
      const { plan, tell } = await this.reminder(timer, at);
      plans[index] = plan;
      if (tell) stillPaused.push({ timer, state: tell });
    });
    const told = inOrder(stillPaused, timers);
    const [only] = told;
    if (only && timers.length === 1) await this.reporter.reminder(only.timer, only.state);
    else if (told.length > 0) await this.reporter.reminders(told);
    return plans;
  }

  async expireApproval(request: ApprovalRequest): Promise<void> {
    this.audit.record({
      actor: request.requesterId,
      action: 'approve',
      key: request.change.target.key,
      environment: request.change.target.environment,
      channel: request.channelId,
      source: request.source ?? 'command',
      ...(request.requestId ? { requestId: request.requestId } : {}),
      outcome: 'expired',
      approval: request.id,
      latencyMs: 0,
    });
    await this.reporter.approvalExpired(request);
  }

  /** Resumes one key; what it plans next, and the outcome when the channel should hear of it. */
  private async timedResume(timer: Timer, at: number): Promise<{ plan: Plan; tell?: Outcome }> {
    const outcome = await this.operations.run(
      {
        requestId: timer.requestId ?? randomUUID(),
        actorId: timer.actorId,
        ...(timer.foreignTeam !== undefined ? { foreignTeam: timer.foreignTeam } : {}),
        target: timer.target,
        channelId: timer.channelId,
        source: 'timer',
        change: { action: 'resume' },
        ...(timer.approvedBy ? { approvedBy: timer.approvedBy } : {}),
      },
      timer.group !== undefined,
    );
    const { id: _id, leaseUntil: _lease, ...rest } = timer;
    // Waiting out the person's rate limit is no news: the resume follows as soon as it may.
    if (outcome.kind === 'refused' && outcome.refusal.code === 'rate_limited')
      return { plan: { ...rest, dueAt: at + outcome.refusal.retryAfterMs } };
    const retries = timer.reminders ?? 0;
    // Slack not answering a group lookup is passing trouble, like QStash's: tried again, not given up.
    const passing =
      outcome.kind === 'failed' ||
      (outcome.kind === 'refused' && outcome.refusal.code === 'directory_unavailable');
    // Tell the channel how it ended, and on the first failure; later retries stay quiet until one works.
    const tell = timer.channelId && (!passing || retries === 0) ? outcome : undefined;
    if (passing && retries < MAX_RETRIES) {
      // QStash's daily quota used up: the next try that can work is after its reset, hours away.
      const quotaReset =
        outcome.kind === 'failed' && outcome.error.limit === 'daily' ? outcome.error.resetAt : undefined;
      const dueAt = Math.max(at + RETRY_MS, quotaReset ?? 0);
      return { plan: { ...rest, dueAt, reminders: retries + 1 }, ...(tell ? { tell } : {}) };
    }
    return { plan: undefined, ...(tell ? { tell } : {}) };
  }

  /** Checks one key paused through Flowbot; what it plans next, and its state when it is still paused. */
  private async reminder(timer: Timer, at: number): Promise<{ plan: Plan; tell?: FlowKeyState }> {
    const state = await this.operations.peek(timer.target);
    if (state === 'not_found' || (state !== undefined && !state.paused)) return { plan: undefined };
    const { id: _id, leaseUntil: _lease, ...rest } = timer;
    if (state === undefined) return { plan: { ...rest, dueAt: at + RETRY_MS } };
    const tell = timer.channelId ? state : undefined;
    const plan =
      this.reminderMs === undefined
        ? undefined
        : { ...rest, dueAt: at + this.reminderMs, reminders: (timer.reminders ?? 0) + 1 };
    return { plan, ...(tell ? { tell } : {}) };
  }
}

/** The entries in the order of their timers (the pool finishes them in any order). */
function inOrder<T extends { readonly timer: Timer }>(entries: readonly T[], timers: readonly Timer[]): T[] {
  const position = new Map(timers.map((timer, index) => [timer, index]));
  return [...entries].sort((a, b) => (position.get(a.timer) ?? 0) - (position.get(b.timer) ?? 0));
}
