import type { Logger } from 'pino';

export type AuditOutcome = 'allowed' | 'done' | 'denied' | 'failed' | 'invalid' | 'duplicate' | 'requested';

/** One structured line per attempted action, allowed or not; the record of who did what. */
export interface AuditEvent {
  readonly actor: string;
  readonly action: string;
  readonly key: string | undefined;
  readonly environment: string | undefined;
  readonly channel: string | undefined;
  readonly source: string;
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
  'actor' | 'action' | 'key' | 'environment' | 'channel' | 'source'
>;

/**
 * Records the outcome of one attempt: the subject and details are fixed when the attempt starts, and the
 * latency is measured from then.
 */
export type AuditRecorder = (
  outcome: AuditOutcome,
  reason?: string,
  overrides?: Partial<AuditSubject>,
) => void;

export function auditRecorder(
  log: AuditLog,
  subject: AuditSubject,
  details: Readonly<Record<string, unknown>> = {},
  started = Date.now(),
): AuditRecorder {
  return (outcome, reason, overrides) =>
    log.record({
      ...subject,
      ...overrides,
      outcome,
      ...(reason ? { reason } : {}),
      ...details,
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
  attempt: { actor: string; action: string; channel: string | undefined; source: string },
  problem: string,
): void {
  log.record({
    actor: attempt.actor,
    action: attempt.action,
    key: undefined,
    environment: undefined,
    channel: attempt.channel,
    source: attempt.source,
    outcome: 'invalid',
    reason: problem,
    latencyMs: 0,
  });
}
