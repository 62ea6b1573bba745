import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { AlertSignal } from '../core/alerts/alert-signal.js';
import { incidentId } from '../core/alerts/incident.js';
import type { InFlightBudget } from '../core/in-flight-budget.js';
import type { DeskResult } from './alerts/alert-desk.js';
import {
  type Environments,
  MAX_ALERT_BODY_BYTES,
  MAX_ALERTMANAGER_BODY_BYTES,
  parseAlertBody,
  parseAlertmanagerBody,
  type SignalParse,
} from './alerts/alert-input.js';
import type { AlertQueue } from './alerts/alert-queue.js';
import { sendJson } from './routes.js';

const LISTED_SKIPPED = 100;
/**
 * How long a request waits for its alerts to reach Slack before it is answered 202 (queued) instead: long
 * enough for Slack's own answer and a short 429 wait, short of Alertmanager's default webhook timeout (10s).
 */
export const ANSWER_WITHIN_MS = 8_000;

/**
 * `POST /alerts` (Flowbot's JSON) and `POST /alerts/alertmanager` (Alertmanager's webhook), both behind
 * `Authorization: Bearer $ALERTS_TOKEN`. Off (404) when no token is configured.
 */
export function alertRoutes(
  config: Config['alerts'],
  environments: Environments,
  queue: () => AlertQueue,
  logger: Logger,
  /** Counts alerts not acted on: skipped by Flowbot, or truncated by the sender before they were sent. */
  onDropped: (reason: 'skipped' | 'truncated', count: number) => void = () => {},
  intake?: AlertIntakeBound,
): CustomRoute[] {
  const expected = config.token ? digest(config.token) : undefined;
  const handle =
    (limit: number, parse: (body: unknown) => SignalParse) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      try {
        if (!expected)
          return sendJson(res, 404, { error: 'alert intake is off: set ALERTS_TOKEN to turn it on' });
        if (!authorized(req.headers.authorization, expected)) {
          res.setHeader('www-authenticate', 'Bearer');
          return sendJson(res, 401, { error: 'missing or wrong bearer token' });
        }
        const release = intake?.budget.take(unitsOf(req, limit, intake.bytesPerUnit));
        if (intake && !release) {
          intake.onRefused();
          // 503, not 429: Alertmanager's webhook tries a notification again on 5xx only.
          res.setHeader('retry-after', String(Math.ceil(ANSWER_WITHIN_MS / 1000)));
          return sendJson(res, 503, {
            error: 'overloaded',
            message: `Flowbot is overloaded (FLOW_MAX_IN_FLIGHT); nothing was taken; try again in ${Math.ceil(ANSWER_WITHIN_MS / 1000)} s`,
          });
        }
        res.once('close', () => release?.());
        const text = await readBody(req, limit, BODY_WITHIN_MS);
        if (text === TOO_LARGE) return sendJson(res, 413, { error: `body larger than ${limit} bytes` });
        if (text === TOO_SLOW) {
          // A trickling body would hold its share of the bound for as long as it trickles.
          res.setHeader('connection', 'close');
          return sendJson(res, 408, { error: `body not received within ${BODY_WITHIN_MS / 1000} s` });
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return sendJson(res, 400, { error: 'body is not valid JSON' });
        }
        const parsed = parse(body);
        if (parsed.kind === 'invalid') return sendJson(res, parsed.status, { error: parsed.problem });
        const { acted, over } = withinKeyLimit(parsed.signals, config.maxKeysPerRequest);
        // Durable first: from here on a restart or another replica finishes the job.
        const ids = await queue().enqueue(acted);
        const channels = [...new Set(acted.map((signal) => signal.channel))];
        const answers = ids.map((id) => queue().answer(id, ANSWER_WITHIN_MS));
        for (const channel of channels) void queue().kick(channel);
        const settled = await Promise.all(answers);
        const skipped = [...parsed.skipped, ...over];
        if (skipped.length > 0) onDropped('skipped', skipped.length);
        if (parsed.truncated) {
          onDropped('truncated', parsed.truncated);
          logger.warn(
            { truncatedAlerts: parsed.truncated },
            'Alertmanager left alerts out of a notification (max_alerts); they never reached Flowbot',
          );
        }
        // Each result with the signal it answers (same order), so every entry names its channel and key.
        const results = settled.flatMap((result, index): Answered[] =>
          result.kind === 'queued' ? [] : [{ signal: acted[index] as AlertSignal, result }],
        );
        if (results.length < settled.length)
          return queuedAnswer(
            res,
            results,
            settled.length - results.length,
            channels,
            skipped,
            parsed.truncated,
          );
        return answer(res, results, skipped, parsed.truncated, logger);
      } catch (error) {
        if (error instanceof SenderGone) {
          logger.info('an alert sender went away before its request was read; nothing was taken');
          return;
        }
        logger.error({ err: error }, 'alert intake failed');
        if (!res.headersSent)
          sendJson(res, 503, { error: 'Flowbot could not handle the alert right now; try again' });
      }
    };
  return [
    {
      path: '/alerts',
      method: ['POST'],
      handler: handle(MAX_ALERT_BODY_BYTES, (body) => parseAlertBody(body, environments, config)),
    },
    {
      path: '/alerts/alertmanager',
      method: ['POST'],
      handler: handle(MAX_ALERTMANAGER_BODY_BYTES, (body) =>
        parseAlertmanagerBody(body, environments, config, config.labels),
      ),
    },
  ];
}

/**
 * Alert intake's share of the bound on work in flight: a request holds one unit per `bytesPerUnit` of the
 * body it declares (the route's largest body when it declares none) until it is answered.
 */
export interface AlertIntakeBound {
  readonly budget: InFlightBudget;
  readonly bytesPerUnit: number;
  /** Counts a request refused as overloaded (the metric). */
  readonly onRefused: () => void;
}

function unitsOf(req: IncomingMessage, limit: number, bytesPerUnit: number): number {
  const declared = Number(req.headers['content-length']);
  const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
  return Math.max(1, Math.ceil(bytes / bytesPerUnit));
}

/**
 * The signals of the first `max` keys of a request, and a line for each signal of the keys past it: one
 * request never turns into more than `max` messages posted or updated. A key alerting into two channels
 * counts twice (a message in each).
 */
function withinKeyLimit(
  signals: readonly AlertSignal[],
  max: number,
): { acted: AlertSignal[]; over: string[] } {
  const keys = new Set<string>();
  const acted: AlertSignal[] = [];
  const over: string[] = [];
  for (const signal of signals) {
    const id = `${signal.channel}|${incidentId(signal.target)}`;
    if (keys.has(id) || keys.size < max) {
      keys.add(id);
      acted.push(signal);
    } else {
      over.push(
        `${signal.target.key.slice(0, 80)}: more than ${max} keys in one request (ALERTS_MAX_KEYS_PER_REQUEST)`,
      );
    }
  }
  return { acted, over };
}

/** One signal's result, with the signal it answers. */
interface Answered {
  readonly signal: AlertSignal;
  readonly result: DeskResult;
}

/**
 * A result as the sender reads it (the shape is public: senders read `ok`, `ts`, `ignored`…). Every entry names
 * its `channel`, `key` and `environment`, failures too: a `not_in_channel` must say which channel needs
 * Flowbot invited.
 */
function resultBody({ signal, result }: Answered) {
  const where = { channel: signal.channel, key: signal.target.key, environment: signal.target.environment };
  switch (result.kind) {
    case 'delivered': {
      const { kind: _kind, ...delivered } = result;
      return { ok: true, ...where, ...delivered };
    }
    case 'ignored':
      return { ok: true, ...where, ignored: result.reason };
    case 'failed':
      return { ok: false, ...where, error: result.error, message: result.explanation };
  }
}

function listedSkipped(skipped: string[]): string[] {
  // The first reasons are listed, the rest counted: the answer stays small whatever the notification.
  return skipped.length > LISTED_SKIPPED
    ? [...skipped.slice(0, LISTED_SKIPPED), `…and ${skipped.length - LISTED_SKIPPED} more`]
    : skipped;
}

/**
 * 202: the alerts are stored and will reach Slack as soon as it allows (a storm in the channel, or Slack busy);
 * a restart or another replica finishes the job. Alertmanager takes any 2xx as delivered and does not send
 * again, which is right: Flowbot has it.
 */
function queuedAnswer(
  res: ServerResponse,
  results: Answered[],
  queued: number,
  channels: string[],
  skipped: string[],
  truncated: number | undefined,
): void {
  sendJson(res, 202, {
    ok: true,
    queued,
    channels,
    message:
      'Slack is busy in this channel: the alerts are queued and will be posted as soon as Slack allows',
    results: results.map(resultBody),
    skipped: listedSkipped(skipped),
    skippedAlerts: skipped.length,
    ...(truncated ? { truncatedAlerts: truncated } : {}),
  });
}

/**
 * The answer once every signal has its result. Only refusals for good reach here (alerts Slack could not take
 * for now stay queued, 202). 422 when Slack refused every one of them: nothing reached Slack, and Alertmanager
 * does not send a 4xx again (it retries 5xx only), which is right since sending again would be refused again.
 * When some were delivered it is 200 with `failed` counting the others and each failed result naming its
 * channel: the notification did reach Slack, and a 422 would read as "nothing happened".
 */
function answer(
  res: ServerResponse,
  results: Answered[],
  skipped: string[],
  truncated: number | undefined,
  logger: Logger,
): void {
  const failures = results.filter(
    (entry): entry is Answered & { result: Extract<DeskResult, { kind: 'failed' }> } =>
      entry.result.kind === 'failed',
  );
  for (const { signal, result } of failures)
    logger.warn(
      { error: result.error, channel: signal.channel, key: signal.target.key },
      `alert not delivered to Slack: ${result.explanation}`,
    );
  // `truncatedAlerts` keeps Alertmanager's meaning: alerts it left out, which Flowbot never saw.
  const counts = { skippedAlerts: skipped.length, ...(truncated ? { truncatedAlerts: truncated } : {}) };
  const listed = listedSkipped(skipped);
  if (failures.length > 0 && failures.length === results.length) {
    const first = failures[0];
    sendJson(res, 422, {
      error: first?.result.error,
      message: first?.result.explanation,
      channel: first?.signal.channel,
      results: results.map(resultBody),
      skipped: listed,
      ...counts,
    });
  } else if (failures.length > 0) {
    sendJson(res, 200, {
      failed: failures.length,
      results: results.map(resultBody),
      skipped: listed,
      ...counts,
    });
  } else if (results.length === 1 && skipped.length === 0 && !truncated) {
    sendJson(res, 200, resultBody(results[0] as Answered));
  } else {
    sendJson(res, 200, { results: results.map(resultBody), skipped: listed, ...counts });
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant time whatever the lengths: both sides are hashed to the same size first. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  return timingSafeEqual(given, expected) && match !== null;
}

/** How long a sender has to send a body (ms): a whole 1 MiB body takes far less on any working network. */
export const BODY_WITHIN_MS = 10_000;
const TOO_LARGE = Symbol('too large');
class SenderGone extends Error {
  override readonly name = 'SenderGone';
}
const TOO_SLOW = Symbol('too slow');

/**
 * The body; TOO_LARGE once it passes `limit` bytes; TOO_SLOW when it has not all arrived within `withinMs`.
 * The rest is not read here: the server's connection guard reads and drops it after the answer (up to a
 * bound), or closes the connection properly. Rejects when the connection fails or the client aborts.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  withinMs: number,
): Promise<string | typeof TOO_LARGE | typeof TOO_SLOW> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve(TOO_LARGE);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: string | typeof TOO_LARGE | typeof TOO_SLOW) => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve(result);
    };
    const timer = setTimeout(() => {
      req.pause();
      finish(TOO_SLOW);
    }, withinMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ECONNRESET' ? new SenderGone() : error);
    });
    req.on('aborted', () => {
      clearTimeout(timer);
      reject(new SenderGone());
    });
  });
}
