import type { AccessPolicy, FlowAction } from '../access/types.js';
import type { AuditLog } from '../audit.js';
import type { OnceGuard } from '../once-guard.js';
import type { QStashClient } from '../qstash/client.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError } from '../qstash/errors.js';
import type { FlowKeyState, PinSettings, UnpinSettings } from '../qstash/types.js';
import type { OperationRequest, Outcome } from './outcome.js';

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
  ) {}

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

  private async mutate(
    action: FlowAction,
    request: OperationRequest,
    apply: Mutation,
    details: Record<string, unknown> = {},
  ): Promise<Outcome> {
    const started = Date.now();
    const { target } = request;
    const record = (outcome: 'done' | 'denied' | 'failed' | 'duplicate', reason?: string) =>
      this.audit.record({
        actor: request.actorId,
        action,
        key: target.key,
        environment: target.environment,
        channel: request.channelId,
        source: request.source,
        outcome,
        ...(reason ? { reason } : {}),
        ...(request.reason ? { note: request.reason } : {}),
        ...details,
        latencyMs: Date.now() - started,
      });

    const decision = await this.policy.authorize({
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

    if (request.onceId !== undefined) {
      const claim = await this.once.claim(request.onceId, request.actorId, ONCE_TTL_MS);
      if (!claim.claimed) {
        record('duplicate');
        return { kind: 'duplicate', action, target, holderId: claim.holder };
      }
    }

    const client = this.environments.client(target.environment);
    try {
      // Reading first names an unknown key before anything is sent, and tells how many messages a resume released.
      const before = await readOptional(client, target.key);
      await apply(client, target.key);
      const after = await readOptional(client, target.key).catch(() => undefined);
      record('done');
      return { kind: 'done', action, target, actorId: request.actorId, before, after, at: this.now() };
    } catch (error) {
      const failure = error instanceof QStashError ? error : new QStashError('unavailable', '', undefined, 1);
      record('failed', failure.kind);
      // A failed attempt may be retried by the next click.
      if (request.onceId !== undefined) await this.once.release(request.onceId);
      return { kind: 'failed', action, target, error: failure };
    }
  }
}

/** The key's state, or undefined when QStash could not say; an unknown key is an error (nothing to act on). */
async function readOptional(client: QStashClient, key: string): Promise<FlowKeyState | undefined> {
  try {
    return await client.get(key);
  } catch (error) {
    if (error instanceof QStashError && (error.kind === 'not_found' || error.kind === 'unauthorized'))
      throw error;
    return undefined;
  }
}
