import autocannon from 'autocannon';
import { blockActionsBody, signSlackRequest, slashCommandBody } from '../test/support/slack-request.js';

export type RequestKind = 'command' | 'click';

export interface LoadPlan {
  readonly url: string;
  readonly rate: number;
  readonly durationS: number;
  /** Prefix of this phase's response_url ids, so its replies can be told from other phases'. */
  readonly label: string;
  /** Base URL of the fake Slack; response_urls live under `${base}/respond/`. */
  readonly responseBase: string;
  readonly signingSecret: string;
  readonly keys: readonly string[];
  readonly users: readonly string[];
  readonly channel: string;
}

export interface SentRequest {
  readonly kind: RequestKind;
  /** Epoch ms, comparable with reply times recorded in the stand-ins process. */
  readonly sentAt: number;
}

export interface LatencyStats {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadResult {
  readonly plan: LoadPlan;
  readonly elapsedS: number;
  readonly sent: Map<string, SentRequest>;
  readonly responses: number;
  readonly status: Record<string, number>;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latency: LatencyStats;
  readonly latencyByKind: Record<RequestKind, LatencyStats>;
  /** Responses per second over the phase. */
  readonly throughput: number;
  /** Ids of requests acknowledged with a 2xx: each of these owes a reply. */
  readonly ackedIds: Set<string>;
  /**
   * Commands whose acknowledgement was the overload message itself (Flowbot had as much in flight as it may:
   * `FLOW_MAX_IN_FLIGHT`), with when it arrived (epoch ms): that acknowledgement is their reply.
   */
  readonly overloadedAcks: Map<string, { readonly at: number; readonly text: string }>;
}

/** The overload message's words, as the front door acknowledges a command past its bound. */
const OVERLOADED = 'Flowbot is overloaded';

interface Prepared {
  readonly id: string;
  readonly kind: RequestKind;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * Autocannon's rate limiter sends each connection's per-second quota back to back at every second tick, so
 * one instance offers its load as one burst a second. Several instances started at evenly spaced offsets
 * spread the same offered rate over the second.
 */
const STAGGERED_INSTANCES = 10;
/** Each connection sends this many requests a second, so a slow answer cannot throttle the offered rate. */
const REQUESTS_PER_CONNECTION = 10;

export function percentiles(values: readonly number[]): LatencyStats {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
}

/**
 * Flowbot acts once per (message, key) click for ten minutes, so message timestamps stay unique across every
 * phase of a run; a repeat would be answered as a duplicate click, not resumed.
 */
let messageSequence = 0;

/**
 * Signed bodies are built before the phase starts so signing costs the load generator nothing while it runs.
 * Every request has its own response_url; clicks come from distinct messages, as alerts in a busy incident would.
 */
function prepare(plan: LoadPlan, count: number, timestamp: number, offset: number): Prepared[] {
  const prepared: Prepared[] = [];
  for (let n = offset; n < offset + count; n++) {
    const id = `${plan.label}-${n}`;
    const responseUrl = `${plan.responseBase}/respond/${id}`;
    const key = plan.keys[n % plan.keys.length]!;
    const user = plan.users[Math.floor(n / 2) % plan.users.length]!;
    const kind: RequestKind = n % 2 === 0 ? 'command' : 'click';
    const body =
      kind === 'command'
        ? slashCommandBody({
            command: '/flow-resume',
            text: key,
            user_id: user,
            channel_id: plan.channel,
            response_url: responseUrl,
          })
        : blockActionsBody({
            userId: user,
            channelId: plan.channel,
            actionId: 'flow_resume',
            value: key,
            responseUrl,
            messageTs: `${1_700_000_000 + Math.floor(messageSequence / 1_000_000)}.${String(messageSequence++ % 1_000_000).padStart(6, '0')}`,
          });
    prepared.push({ id, kind, body, headers: { ...signSlackRequest(plan.signingSecret, body, timestamp) } });
  }
  return prepared;
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const expected = Math.ceil(plan.rate * plan.durationS * 1.1) + 50;
  // Bolt refuses timestamps older than five minutes; one phase is far shorter than that.
  const timestamp = Math.floor(Date.now() / 1000);
  const bodies = prepare(plan, expected, timestamp, 0);
  let cursor = 0;
  const next = (): Prepared => {
    const taken = bodies[cursor] ?? prepare(plan, 1, Math.floor(Date.now() / 1000), cursor)[0]!;
    cursor += 1;
    return taken;
  };

  const sent = new Map<string, SentRequest>();
  const status: Record<string, number> = {};
  const ackedIds = new Set<string>();
  const overloadedAcks = new Map<string, { at: number; text: string }>();
  const all: number[] = [];
  const byKind: Record<RequestKind, number[]> = { command: [], click: [] };
  let lastAnswered: { id: string; kind: RequestKind } | undefined;
  let errors = 0;
  let timeouts = 0;

  const instanceCount = Math.max(1, Math.min(STAGGERED_INSTANCES, Math.floor(plan.rate / 2)));
  const rates = Array.from(
    { length: instanceCount },
    (_, i) => Math.floor(plan.rate / instanceCount) + (i < plan.rate % instanceCount ? 1 : 0),
  );
  const started = performance.now();

  const runInstance = (rate: number, delayMs: number) =>
    new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        const instance = autocannon(
          {
            url: `${plan.url}/slack/events`,
            method: 'POST',
            connections: Math.max(1, Math.ceil(rate / REQUESTS_PER_CONNECTION)),
            overallRate: rate,
            duration: plan.durationS,
            timeout: 10,
            // With a rate set, autocannon "corrects" latencies with a 1 ms expected interval, which fills the
            // histogram with invented samples; we keep every real one ourselves instead.
            ignoreCoordinatedOmission: true,
            requests: [
              {
                setupRequest: (request, context) => {
                  const prepared = next();
                  sent.set(prepared.id, { kind: prepared.kind, sentAt: Date.now() });
                  Object.assign(context, { id: prepared.id, kind: prepared.kind });
                  return {
                    ...request,
                    method: 'POST',
                    path: '/slack/events',
                    headers: { ...prepared.headers },
                    body: prepared.body,
                  };
                },
                onResponse: (code, body, context) => {
                  const { id, kind } = context as { id: string; kind: RequestKind };
                  status[code] = (status[code] ?? 0) + 1;
                  if (code >= 200 && code < 300) ackedIds.add(id);
                  if (kind === 'command' && typeof body === 'string' && body.includes(OVERLOADED)) {
                    const text = (JSON.parse(body) as { text?: string }).text ?? body;
                    overloadedAcks.set(id, { at: Date.now(), text });
                  }
                  lastAnswered = { id, kind };
                },
              },
            ],
          },
          (error, result) => {
            if (error) {
              reject(error);
              return;
            }
            // Timeouts count among autocannon's errors; they are reported apart.
            errors += result.errors - result.timeouts;
            timeouts += result.timeouts;
            resolve();
          },
        );
        // Emitted synchronously right after onResponse for the same request, which names its kind.
        instance.on('response', (_client, _code, _bytes, responseTime) => {
          all.push(responseTime);
          if (lastAnswered) byKind[lastAnswered.kind].push(responseTime);
          lastAnswered = undefined;
        });
      }, delayMs);
    });

  await Promise.all(rates.map((rate, i) => runInstance(rate, (i * 1000) / instanceCount)));
  const elapsedS = (performance.now() - started) / 1000;

  const answered = all.length;
  const non2xx = Object.entries(status)
    .filter(([code]) => Number(code) < 200 || Number(code) >= 300)
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    plan,
    elapsedS,
    sent,
    responses: answered,
    status,
    non2xx,
    errors,
    timeouts,
    latency: percentiles(all),
    latencyByKind: { command: percentiles(byKind.command), click: percentiles(byKind.click) },
    throughput: answered / plan.durationS,
    ackedIds,
    overloadedAcks,
  };
}
