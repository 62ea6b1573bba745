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
