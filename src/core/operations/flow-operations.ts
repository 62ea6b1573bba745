import type { AccessDecision, AccessPolicy, FlowAction } from '../access/types.js';
import { type AuditLog, auditRecorder } from '../audit.js';
import { matchesGlob } from '../glob.js';
import type { KeyRef } from '../keys.js';
import type { OnceGuard } from '../once-guard.js';
import type { QStashClient } from '../qstash/client.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError } from '../qstash/errors.js';
import type { FlowKeyState, GlobalParallelism, PinSettings, UnpinSettings } from '../qstash/types.js';
import type { MutationRateLimiter } from '../rate-limit.js';
import type { EnvironmentKeys, OperationRequest, Outcome, PendingChange, ReadOutcome } from './outcome.js';

export type ChangeListener = (outcome: Outcome, request: OperationRequest) => Promise<void> | void;

/** Long enough to cover Slack's retries and a person's impatient second click. */
const ONCE_TTL_MS = 10 * 60_000;

type Mutation = (client: QStashClient, key: string) => Promise<void>;

/**
 * The flow operations, free of Slack: authorize → call QStash → audit → outcome. Every call ends in an
 * outcome (never throws for QStash trouble) and leaves exactly one audit event.
 */
export class FlowOperations {
  constructor(
    private readonly environments: QStashEnvironments,
    private readonly policy: AccessPolicy,
    private readonly audit: AuditLog,
    private readonly once: OnceGuard,
    private readonly now: () => Date = () => new Date(),
    private readonly rateLimiter?: MutationRateLimiter,
  ) {}

  private readonly changeListeners: ChangeListener[] = [];

  /** Called after every successful change, whatever started it (timers and reminders follow changes). */
  onChange(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  private async notifyChange(outcome: Outcome, request: OperationRequest): Promise<void> {
    for (const listener of this.changeListeners) {
      try {
        await listener(outcome, request);
      } catch {
        // A follow-up that fails must not turn a done change into a failure; listeners log for themselves.
      }
    }
  }

  resume(request: OperationRequest): Promise<Outcome> {
    return this.mutate('resume', request, (client, key) => client.resume(key));
  }

  pause(request: OperationRequest): Promise<Outcome> {
    return this.mutate('pause', request, (client, key) => client.pause(key));
  }

  resetRate(request: OperationRequest): Promise<Outcome> {
    return this.mutate('reset-rate', request, (client, key) => client.resetRate(key));
  }

  pin(request: OperationRequest, settings: PinSettings): Promise<Outcome> {
    return this.mutate('pin', request, (client, key) => client.pin(key, settings), { ...settings });
  }

  unpin(request: OperationRequest, settings: UnpinSettings): Promise<Outcome> {
    return this.mutate('unpin', request, (client, key) => client.unpin(key, settings), { ...settings });
  }

  /** Carries out a change asked for earlier (confirmed, approved), authorizing the actor again. */
  perform(change: PendingChange, request: OperationRequest): Promise<Outcome> {
    switch (change.action) {
      case 'pause':
        return this.pause({
          ...request,
          ...(change.reason ? { reason: change.reason } : {}),
          ...(change.forMs ? { resumeAfterMs: change.forMs } : {}),
        });
      case 'resume':
        return this.resume(request);
      case 'reset-rate':
        return this.resetRate(request);
      case 'pin':
        return this.pin(request, change.settings);
      case 'unpin':
        return this.unpin(request, change.settings);
      case 'ramp':
        // A ramp is a process, not one call: it is started by the ramp runner, never here.
        return Promise.resolve({
          kind: 'refused',
          action: 'ramp',
          target: change.target,
          explanation: 'A ramp cannot be carried out as a single change.',
        });
    }
  }

  /**
   * May this person take this action? Used before showing a confirmation, so nobody is asked to confirm what
   * they may not do; refusals are audited like any other.
   */
  async check(
    actorId: string,
    action: FlowAction,
    target: KeyRef,
    channelId: string | undefined,
    source: string,
  ): Promise<{ allowed: true } | { allowed: false; explanation: string }> {
    const decision = await this.policy.authorize({
      actor: { userId: actorId },
      action,
      environment: target.environment,
      key: target.key,
      channelId,
    });
    if (decision.allowed) return { allowed: true };
    auditRecorder(this.audit, {
      actor: actorId,
      action,
      key: target.key,
      environment: target.environment,
      channel: channelId,
      source,
    })('denied', decision.reason);
    return { allowed: false, explanation: decision.explanation };
  }

  /**
   * The key's state for a confirmation the caller has already authorized: 'not_found' for an unknown key,
   * undefined when QStash could not say.
   */
  async peek(target: KeyRef): Promise<FlowKeyState | 'not_found' | undefined> {
    try {
      return await this.environments.client(target.environment).get(target.key);
    } catch (error) {
      if (error instanceof QStashError && error.kind === 'not_found') return 'not_found';
      return undefined;
    }
  }

  /** The key's state as it is now, for the person allowed to see it. */
  async status(request: OperationRequest): Promise<ReadOutcome<FlowKeyState>> {
    return this.read('status', request.actorId, request.channelId, request.source, request.target, (client) =>
      client.get(request.target.key),
    );
  }

  /** Global parallelism of one environment. */
  async global(
    actorId: string,
    environment: string,
    channelId: string | undefined,
    source: string,
  ): Promise<ReadOutcome<GlobalParallelism>> {
    return this.read('list', actorId, channelId, source, { environment, key: '*' }, (client) =>
      client.globalParallelism(),
    );
  }

  /**
   * Keys of the named environment, or of every environment, matching the glob. Environments are read side by
   * side; one that fails is reported as such without hiding the others.
   */
  async list(
    actorId: string,
    environment: string | undefined,
    glob: string | undefined,
    channelId: string | undefined,
    source: string,
  ): Promise<ReadOutcome<EnvironmentKeys[]>> {
    const names = environment === undefined ? this.environments.names : [environment];
    const pattern = glob ?? '*';
    const record = auditRecorder(this.audit, {
      actor: actorId,
      action: 'list',
      key: pattern,
      environment: environment ?? '*',
      channel: channelId,
      source,
    });
    for (const name of names) {
      const decision = await this.policy.authorize({
        actor: { userId: actorId },
        action: 'list',
        environment: name,
        key: undefined,
        channelId,
      });
      if (!decision.allowed) {
        record('denied', decision.reason, { environment: name });
        return { kind: 'refused', explanation: decision.explanation };
      }
    }
    const results = await Promise.all(
      names.map(async (name): Promise<EnvironmentKeys> => {
        try {
          const keys = (await this.environments.client(name).list()).filter((key) =>
            matchesGlob(key.key, pattern),
          );
          // A grant of `list` on some key patterns shows those keys only.
          const visible: FlowKeyState[] = [];
          for (const key of keys) {
            const decision = await this.policy.authorize({
              actor: { userId: actorId },
              action: 'list',
              environment: name,
              key: key.key,
              channelId,
            });
            if (decision.allowed) visible.push(key);
          }
          return { environment: name, keys: visible, error: undefined };
        } catch (error) {
          return { environment: name, keys: undefined, error: QStashError.from(error) };
        }
      }),
    );
    const firstError = results.find((result) => result.error)?.error;
    const allFailed = firstError !== undefined && results.every((result) => result.error);
    record(allFailed ? 'failed' : 'done', firstError?.kind);
    if (allFailed) return { kind: 'failed', error: firstError };
    return { kind: 'ok', value: results };
  }

  private async read<T>(
    action: FlowAction,
    actorId: string,
    channelId: string | undefined,
    source: string,
    target: KeyRef,
    call: (client: QStashClient) => Promise<T>,
  ): Promise<ReadOutcome<T>> {
    const record = auditRecorder(this.audit, {
      actor: actorId,
      action,
      key: target.key,
      environment: target.environment,
      channel: channelId,
      source,
    });
    const decision = await this.policy.authorize({
      actor: { userId: actorId },
      action,
      environment: target.environment,
      key: target.key === '*' ? undefined : target.key,
      channelId,
    });
    if (!decision.allowed) {
      record('denied', decision.reason);
      return { kind: 'refused', explanation: decision.explanation };
    }
    try {
      const value = await call(this.environments.client(target.environment));
      record('done');
      return { kind: 'ok', value };
    } catch (error) {
      const failure = QStashError.from(error);
      record('failed', failure.kind);
      return { kind: 'failed', error: failure };
    }
  }

  private async mutate(
    action: FlowAction,
    request: OperationRequest,
    apply: Mutation,
    details: Record<string, unknown> = {},
  ): Promise<Outcome> {
    const { target } = request;
    const record = auditRecorder(
      this.audit,
      {
        actor: request.actorId,
        action,
        key: target.key,
        environment: target.environment,
        channel: request.channelId,
        source: request.source,
      },
      {
        ...(request.reason ? { note: request.reason } : {}),
        ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
        ...details,
      },
    );

    const decision: AccessDecision = request.scheduled
      ? { allowed: true, grantedBy: 'schedule' }
      : await this.policy.authorize({
          actor: { userId: request.actorId },
          action,
          environment: target.environment,
          key: target.key,
          channelId: request.channelId,
        });
    if (!decision.allowed) {
      record('denied', decision.reason);
      return { kind: 'refused', action, target, explanation: decision.explanation };
    }
    if (this.rateLimiter && !request.scheduled && request.approvedBy === undefined) {
      const rate = await this.rateLimiter.take(request.actorId);
      if (rate.kind === 'limited') {
        record('denied', 'rate_limited');
        const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
        return {
          kind: 'refused',
          action,
          target,
          explanation: `You have made ${rate.limit} changes in a short time, which is as many as Flowbot allows one person per ${Math.round(this.rateLimiter.windowMs / 1000)} seconds. Try again in ${seconds} seconds.`,
        };
      }
    }
    if (decision.approval && request.approvedBy === undefined) {
      record('requested', 'approval required');
      return {
        kind: 'needs_approval',
        action,
        target,
        actorId: request.actorId,
        rule: decision.approval.rule,
        expiresMs: decision.approval.expiresMs,
      };
    }

    if (request.onceId !== undefined) {
      const claim = await this.once.claim(request.onceId, request.actorId, ONCE_TTL_MS);
      if (claim.kind === 'held') {
        record('duplicate');
        return { kind: 'duplicate', action, target, holderId: claim.holder };
      }
    }

    const client = this.environments.client(target.environment);
    try {
      // Reading first names an unknown key before anything is sent, and tells how many messages a resume released.
      const before = await readOptional(client, target.key);
      await apply(client, target.key);
      const changedAt = Date.now();
      const after = await readOptional(client, target.key, changedAt).catch(() => undefined);
      record('done');
      const done: Outcome = {
        kind: 'done',
        action,
        target,
        actorId: request.actorId,
        before,
        after,
        at: this.now(),
        ...(request.reason ? { reason: request.reason } : {}),
        ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
        ...(action === 'pause' && request.resumeAfterMs
          ? { resumeAt: new Date(this.now().getTime() + request.resumeAfterMs) }
          : {}),
      };
      await this.notifyChange(done, request);
      return done;
    } catch (error) {
      const failure = QStashError.from(error);
      record('failed', failure.kind);
      // A failed attempt may be retried by the next click.
      if (request.onceId !== undefined) await this.once.release(request.onceId);
      return { kind: 'failed', action, target, error: failure };
    }
  }
}

/** The key's state, or undefined when QStash could not say; an unknown key is an error (nothing to act on). */
async function readOptional(
  client: QStashClient,
  key: string,
  freshSince?: number,
): Promise<FlowKeyState | undefined> {
  try {
    return await client.get(key, freshSince);
  } catch (error) {
    if (error instanceof QStashError && (error.kind === 'not_found' || error.kind === 'unauthorized'))
      throw error;
    return undefined;
  }
}
