import type { Logger } from 'pino';

export type AuditOutcome =
  | 'done'
  | 'denied'
  | 'failed'
  | 'invalid'
  | 'duplicate'
  | 'requested'
  /** Scheduled work waiting out the person's rate limit: tried again later, not dropped. */
  | 'deferred'
  /** An approval request nobody decided in time. */
  | 'expired';

/** One structured line per attempted action, allowed or not; the record of who did what. */
export interface AuditEvent {
  readonly actor: string;
  readonly action: string;
  readonly key: string | undefined;
  readonly environment: string | undefined;
  readonly channel: string | undefined;
  /** What started it (`command`, `button`, `confirm`, `approval`, `timer`, `ramp`…). */
  readonly source: string;
  /** Ties the events of one request together (and to the adapter's log lines for it). */
  readonly requestId?: string;
  readonly outcome: AuditOutcome;
  readonly reason?: string;
  readonly latencyMs: number;
  readonly [detail: string]: unknown;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}

/** Who did what where: the part of an audit event fixed before the attempt's outcome is known. */
export type AuditSubject = Pick<
  AuditEvent,
  'actor' | 'action' | 'key' | 'environment' | 'channel' | 'source' | 'requestId'
>;

/**
 * Records the outcome of one attempt: the subject and details are fixed when the attempt starts, and the
 * latency is measured from then.
 */
export type AuditRecorder = (
  outcome: AuditOutcome,
  reason?: string,
  overrides?: Partial<AuditSubject>,
  /** Facts only this outcome has (the scope of a refusal, the id of an approval request). */
  extra?: Readonly<Record<string, unknown>>,
) => void;

export function auditRecorder(
  log: AuditLog,
  subject: AuditSubject,
  details: Readonly<Record<string, unknown>> = {},
  started = Date.now(),
): AuditRecorder {
  return (outcome, reason, overrides, extra) =>
    log.record({
      ...subject,
      ...overrides,
      outcome,
      ...(reason ? { reason } : {}),
      ...details,
      ...extra,
      latencyMs: Date.now() - started,
    });
}

export class PinoAuditLog implements AuditLog {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'audit' });
  }

  record(event: AuditEvent): void {
    const level = event.outcome === 'failed' ? 'warn' : 'info';
    this.logger[level]({ audit: event }, `audit ${event.action} ${event.outcome}`);
  }
}

/** Input that named nothing Flowbot could act on (bad key, unknown subcommand): audited, with the problem. */
export function recordInvalidInput(
  log: AuditLog,
  attempt: {
    actor: string;
    action: string;
    channel: string | undefined;
    source: string;
    requestId?: string;
  },
  problem: string,
): void {
  log.record({
    actor: attempt.actor,
    action: attempt.action,
    key: undefined,
    environment: undefined,
    channel: attempt.channel,
    source: attempt.source,
    ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
    outcome: 'invalid',
    reason: problem,
    latencyMs: 0,
  });
}
