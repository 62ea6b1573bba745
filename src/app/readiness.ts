import type { QStashEnvironments } from '../core/qstash/environments.js';
import { QStashError } from '../core/qstash/errors.js';
import type { SlackConnection } from '../slack/create-app.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, string>;
}

/** Long enough that probes every few seconds cost QStash one call per environment now and then. */
const QSTASH_CHECK_TTL_MS = 30_000;

/**
 * `GET /readyz`: Slack reachable (receiver listening or socket connected), each QStash environment answering
 * with a valid token, and the shared state up. QStash is checked in the background and cached, so a probe is
 * cheap and never waits on a slow QStash.
 */
export class ReadinessChecks {
  private readonly qstash = new Map<string, { status: string; at: number }>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly environments: QStashEnvironments,
    private readonly slack: SlackConnection,
    private readonly store: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Readiness {
    const checks: Record<string, string> = {
      slack: this.slack.up ? 'ok' : 'not connected',
      store: this.store(),
    };
    for (const name of this.environments.names) {
      const cached = this.qstash.get(name);
      if (!cached || this.now() - cached.at > QSTASH_CHECK_TTL_MS) void this.refresh(name);
      checks[`qstash:${name}`] = cached?.status ?? 'checking';
    }
    return { ready: Object.values(checks).every((status) => status === 'ok'), checks };
  }

  /** Checks every environment now (at startup, so the first probe has an answer). */
  async refreshAll(): Promise<void> {
    await Promise.all(this.environments.names.map((name) => this.refresh(name)));
  }

  private async refresh(name: string): Promise<void> {
    if (this.refreshing.has(name)) return;
    this.refreshing.add(name);
    try {
      await this.environments.client(name).globalParallelism();
      this.qstash.set(name, { status: 'ok', at: this.now() });
    } catch (error) {
      const status = error instanceof QStashError ? qstashStatus(error) : 'unreachable';
      this.qstash.set(name, { status, at: this.now() });
    } finally {
      this.refreshing.delete(name);
    }
  }
}

/**
 * A probe's one-line reason (machine-read JSON, for whoever deploys): which setting to fix, which limit and
 * when it resets. QStash's own words go to the log, not here.
 */
export function qstashStatus(error: QStashError): string {
  const settings = error.settings;
  switch (error.kind) {
    case 'unauthorized':
      return 'token rejected';
    case 'account_not_found':
      return `account not found in this region${settings ? ` (check ${settings.url} against the region of ${settings.token})` : ''}`;
    case 'rate_limited': {
      const limit =
        error.limit === 'daily'
          ? 'daily quota used up'
          : error.limit === 'burst'
            ? 'burst limit'
            : 'rate limited';
      return `${limit}${error.resetAt !== undefined ? ` until ${new Date(error.resetAt).toISOString()}` : ''}`;
    }
    default:
      return error.kind.replace('_', ' ');
  }
}
