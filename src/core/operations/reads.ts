import type { AccessPolicy, FlowAction } from '../access/types.js';
import { type AuditLog, auditRecorder } from '../audit.js';
import { compileGlob } from '../glob.js';
import type { KeyRef } from '../keys.js';
import type { QStashClient } from '../qstash/client.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError, type QStashErrorKind } from '../qstash/errors.js';
import type { FlowKeyState, GlobalParallelism } from '../qstash/types.js';
import { actorOf, refusalDetails } from './authorize.js';
import type { ReadRequest } from './change.js';
import type { EnvironmentKeys, ReadOutcome } from './outcome.js';
import type { Refusal } from './refusal.js';

/** Reads: authorized and audited like changes, but nothing is claimed, limited or approved. */
export class Reads {
  constructor(
    private readonly environments: QStashEnvironments,
    private readonly policy: AccessPolicy,
    private readonly audit: AuditLog,
    /** Told of every read refused because its environment had no room (for the metrics). */
    private readonly onOverload?: (environment: string) => void,
  ) {}

  /**
   * The key's state for work already authorized (a confirmation, a card, the scheduler): 'not_found' for an
   * unknown key, undefined when QStash could not say. Not audited: it decides nothing.
   */
  async peek(target: KeyRef): Promise<FlowKeyState | 'not_found' | undefined> {
    try {
      return await this.environments.client(target.environment).get(target.key);
    } catch (error) {
      if (error instanceof QStashError && error.kind === 'not_found') return 'not_found';
      return undefined;
    }
  }

  /**
   * Like `peek`, for work about to ask for a change (a confirmation, a ramp's start): a QStashError when QStash
   * refuses to talk about the key at all (unknown key, unknown account in this region, rejected token, a rate
   * limit), since the change would be refused the same way; undefined when QStash could not say.
   */
  async look(target: KeyRef): Promise<FlowKeyState | QStashError | undefined> {
    try {
      return await this.environments.client(target.environment).get(target.key);
    } catch (error) {
      if (error instanceof QStashError && REFUSED.has(error.kind)) return error;
      return undefined;
    }
  }

  /** The key's state as it is now, for the person allowed to see it. */
  status(request: ReadRequest & { readonly target: KeyRef }): Promise<ReadOutcome<FlowKeyState>> {
    return this.read('status', request, request.target, (client) => client.get(request.target.key));
  }

  /** Global parallelism of one environment (authorized as `list`). */
  global(request: ReadRequest & { readonly environment: string }): Promise<ReadOutcome<GlobalParallelism>> {
    return this.read('list', request, { environment: request.environment, key: '*' }, (client) =>
      client.globalParallelism(),
    );
  }

  /**
   * Keys of the named environment, or of every environment, matching the glob. Environments are read side by
   * side; one that fails is reported as such without hiding the others.
   */
  async list(
    request: ReadRequest & { readonly environment: string | undefined; readonly glob: string | undefined },
  ): Promise<ReadOutcome<EnvironmentKeys[]>> {
    const { actorId, channelId } = request;
    const names = request.environment === undefined ? this.environments.names : [request.environment];
    const pattern = request.glob ?? '*';
    const record = auditRecorder(this.audit, {
      actor: actorId,
      action: 'list',
      key: pattern,
      environment: request.environment ?? '*',
      channel: channelId,
      source: request.source,
      requestId: request.requestId,
    });
    for (const name of names) {
      const decision = await this.policy.authorize({
        actor: actorOf(request),
        action: 'list',
        environment: name,
        key: undefined,
        channelId,
      });
      if (decision.kind === 'refused') {
        const { reason, details } = refusalDetails(decision.refusal, 'list');
        record('denied', reason, { environment: name }, details);
        return { kind: 'refused', refusal: decision.refusal };
      }
    }
    const matches = compileGlob(pattern);
    const results = await Promise.all(
      names.map(async (name): Promise<EnvironmentKeys> => {
        try {
          const keys = (await this.environments.client(name).list()).filter((key) => matches(key.key));
          // A grant of `list` on some key patterns shows those keys only.
          const visible: FlowKeyState[] = [];
          for (const key of keys) {
            const decision = await this.policy.authorize({
              actor: actorOf(request),
              action: 'list',
              environment: name,
              key: key.key,
              channelId,
            });
            if (decision.kind === 'allowed') visible.push(key);
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
    request: ReadRequest,
    target: KeyRef,
    call: (client: QStashClient) => Promise<T>,
  ): Promise<ReadOutcome<T>> {
    const record = auditRecorder(this.audit, {
      actor: request.actorId,
      action,
      key: target.key,
      environment: target.environment,
      channel: request.channelId,
      source: request.source,
      requestId: request.requestId,
    });
    const decision = await this.policy.authorize({
      actor: actorOf(request),
      action,
      environment: target.environment,
      key: target.key === '*' ? undefined : target.key,
      channelId: request.channelId,
    });
    if (decision.kind === 'refused') {
      const { reason, details } = refusalDetails(decision.refusal, action);
      record('denied', reason, {}, details);
      return { kind: 'refused', refusal: decision.refusal };
    }
    const client = this.environments.client(target.environment);
    // A read of a key already being read shares that call and adds no work; any other waits for room.
    const shared = action === 'status' && client.reading(target.key);
    const admission = shared ? undefined : client.calls.admit();
    if (admission?.kind === 'overloaded') {
      const refusal: Refusal = { code: 'overloaded', retryAfterMs: admission.retryAfterMs };
      this.onOverload?.(target.environment);
      record('denied', refusal.code);
      return { kind: 'refused', refusal };
    }
    try {
      const value = await call(client);
      record('done');
      return { kind: 'ok', value };
    } catch (error) {
      const failure = QStashError.from(error);
      record('failed', failure.kind);
      return { kind: 'failed', error: failure };
    }
  }
}

const REFUSED: ReadonlySet<QStashErrorKind> = new Set([
  'not_found',
  'account_not_found',
  'unauthorized',
  'rate_limited',
]);
