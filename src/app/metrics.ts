import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent, AuditLog } from '../core/audit.js';
import type { CallLimitLoad } from '../core/qstash/call-limit.js';
import type { AttemptReport } from '../core/qstash/client.js';
import type { QStashEnvironments } from '../core/qstash/environments.js';

/** Prometheus metrics: what people asked for and how it ended, QStash's latency and errors, Slack's errors. */
export class FlowbotMetrics {
  readonly registry = new Registry();
  private readonly actions: Counter<'action' | 'outcome' | 'source'>;
  private readonly qstashDuration: Histogram<'operation' | 'status'>;
  private readonly qstashErrors: Counter<'operation' | 'status'>;
  private readonly slackErrors: Counter<'method' | 'error'>;
  private readonly alertsDropped: Counter<'reason'>;
  private readonly overloads: Counter<'environment' | 'reason'>;

  constructor(inFlight: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'flowbot_' });
    this.actions = new Counter({
      name: 'flowbot_actions_total',
      help: 'Commands, clicks and scheduled actions, by action, outcome and source',
      labelNames: ['action', 'outcome', 'source'],
      registers: [this.registry],
    });
    this.qstashDuration = new Histogram({
      name: 'flowbot_qstash_request_duration_seconds',
      help: 'QStash calls including retries, by operation and final status',
      labelNames: ['operation', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
      registers: [this.registry],
    });
    this.qstashErrors = new Counter({
      name: 'flowbot_qstash_errors_total',
      help: 'QStash calls that failed after retries, by operation and status (or error kind)',
      labelNames: ['operation', 'status'],
      registers: [this.registry],
    });
    this.slackErrors = new Counter({
      name: 'flowbot_slack_errors_total',
      help: 'Slack Web API and response_url calls that failed, by method and error',
      labelNames: ['method', 'error'],
      registers: [this.registry],
    });
    this.alertsDropped = new Counter({
      name: 'flowbot_alerts_dropped_total',
      help: 'Alerts not acted on: skipped by Flowbot (no key label, channel not allowed, over the per-request limit), truncated by Alertmanager (max_alerts), or refused by Slack for good (not_in_channel, channel_not_found…)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.overloads = new Counter({
      name: 'flowbot_overload_refusals_total',
      help: 'Requests refused at once as overloaded, by reason: qstash_queue, their QStash environment had FLOW_MAX_QUEUED calls waiting; in_flight, Flowbot held FLOW_MAX_IN_FLIGHT requests (environment empty: the front door did not hand them over, events dropped included) or changes waiting on QStash (with their environment); alert_intake, an alert request answered 503 because requests and alerts in flight were at FLOW_MAX_IN_FLIGHT',
      labelNames: ['environment', 'reason'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'flowbot_inflight_work',
      help: 'Requests acknowledged whose outcome is still being worked on',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
  }

  recordAction(event: AuditEvent): void {
    this.actions.inc({ action: event.action, outcome: event.outcome, source: event.source });
  }

  recordQStash(report: AttemptReport): void {
    const status = report.status === undefined ? (report.errorCode ?? 'error') : String(report.status);
    this.qstashDuration.observe({ operation: report.operation, status }, report.durationMs / 1000);
    if (report.errorCode !== undefined) this.qstashErrors.inc({ operation: report.operation, status });
  }

  /** `environment`: the QStash environment for `qstash_queue`, empty for `in_flight` (Flowbot as a whole). */
  recordOverload(environment: string, reason: 'qstash_queue' | 'in_flight' | 'alert_intake'): void {
    this.overloads.inc({ environment, reason });
  }

  /** Calls in flight and waiting, per QStash environment, read when scraped. */
  watchQStash(environments: QStashEnvironments): void {
    const each = (gauge: Gauge<'environment'>, field: keyof CallLimitLoad) => {
      for (const name of environments.names)
        gauge.set({ environment: name }, environments.client(name).calls.load()[field]);
    };
    new Gauge({
      name: 'flowbot_qstash_calls_in_flight',
      help: 'Calls to QStash sent and not yet answered, per environment (bounded by QSTASH_MAX_CONCURRENT)',
      labelNames: ['environment'],
      registers: [this.registry],
      collect() {
        each(this, 'active');
      },
    });
    new Gauge({
      name: 'flowbot_qstash_calls_in_flight_peak',
      help: 'The most calls to QStash in flight at once since the process started, per environment',
      labelNames: ['environment'],
      registers: [this.registry],
      collect() {
        each(this, 'peakActive');
      },
    });
    new Gauge({
      name: 'flowbot_qstash_calls_queued',
      help: 'Calls to QStash waiting for a slot, per environment (new work is refused past FLOW_MAX_QUEUED)',
      labelNames: ['environment'],
      registers: [this.registry],
      collect() {
        each(this, 'queued');
      },
    });
  }

  /** Units of the bound on work in flight that alert requests hold now (one per 32 KiB of body). */
  watchAlertIntake(units: () => number): void {
    new Gauge({
      name: 'flowbot_alert_intake_in_flight',
      help: 'Units of FLOW_MAX_IN_FLIGHT that alert requests being received or answered hold now (one per 32 KiB of body)',
      registers: [this.registry],
      collect() {
        this.set(units());
      },
    });
  }

  /** Changes waiting on QStash (each request, shared or not), and the most at once since start. */
  watchChanges(changes: () => { readonly requests: number; readonly peak: number }): void {
    new Gauge({
      name: 'flowbot_changes_in_flight',
      help: 'Changes waiting on their QStash step now (requests sharing one call count each)',
      registers: [this.registry],
      collect() {
        this.set(changes().requests);
      },
    });
    new Gauge({
      name: 'flowbot_changes_in_flight_peak',
      help: 'The most changes waiting on their QStash step at once since the process started',
      registers: [this.registry],
      collect() {
        this.set(changes().peak);
      },
    });
  }

  recordSlackError(method: string, error: string): void {
    this.slackErrors.inc({ method, error });
  }

  recordDroppedAlerts(reason: 'skipped' | 'truncated' | 'refused', count: number): void {
    this.alertsDropped.inc({ reason }, count);
  }

  route(): CustomRoute {
    return {
      path: '/metrics',
      method: ['GET'],
      handler: async (_req: IncomingMessage, res: ServerResponse) => {
        const body = await this.registry.metrics();
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(body);
      },
    };
  }
}

/** Every audit event is also counted. */
export function countingAudit(audit: AuditLog, metrics: FlowbotMetrics): AuditLog {
  return {
    record(event) {
      metrics.recordAction(event);
      audit.record(event);
    },
  };
}
