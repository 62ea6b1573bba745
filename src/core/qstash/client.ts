import got, { type Got, HTTPError, type Method, RequestError, TimeoutError } from 'got';
import { checkKey } from '../keys.js';
import { secretScrubber, stripUrlSecrets } from '../secrets.js';
import { CallLimit, type CallLimitSettings } from './call-limit.js';
import { QStashError, type QStashErrorKind, type QStashSettingNames } from './errors.js';
import { rateLimitFacts } from './rate-limit-headers.js';
import { retryDelay } from './retry-delay.js';
import {
  type FlowKeyState,
  type GlobalParallelism,
  type PinSettings,
  parseFlowKey,
  parseFlowKeyList,
  parseGlobalParallelism,
  type UnpinSettings,
} from './types.js';

export interface QStashClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  /** Per attempt. */
  readonly attemptTimeoutMs?: number;
  /** Upper bound for all attempts and waits of one call together. */
  readonly totalTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  /** Observes every finished attempt (for metrics); must not throw. */
  readonly onAttempt?: (attempt: AttemptReport) => void;
  /** The settings this environment comes from, named in errors so people know which one to fix. */
  readonly settingNames?: QStashSettingNames;
  /** Calls in flight at once and calls allowed to wait (default: no practical bound, for tools and tests). */
  readonly limit?: CallLimitSettings;
}

export interface AttemptReport {
  readonly operation: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly durationMs: number;
}

type Operation = 'get' | 'list' | 'pause' | 'resume' | 'pin' | 'unpin' | 'resetRate' | 'global';

interface CallContext extends Record<string, unknown> {
  deadline: number;
  attempts: number;
  /** An attempt ended in a way that does not prove it was not applied (see QStashError). */
  uncertain: boolean;
}

/** QStash's words when the token's account is not in the region asked (`user not found in this region`). */
const ACCOUNT_NOT_FOUND = /user not found|not found in this region|region/i;
/** QStash's words for an unknown flow-control key (`flow control key not found: …`). */
const KEY_NOT_FOUND = /flow[- ]?control key|flowControlKey/i;

/**
 * QStash's flow-control API. Every mutation here is idempotent (it sets state rather than adding to it), so
 * retrying a POST after a timeout or a lost answer cannot apply it twice in effect.
 */
export class QStashClient {
  private readonly http: Got;
  private readonly baseUrl: URL;
  private readonly totalTimeoutMs: number;
  private readonly reads = new Map<string, { started: number; state: Promise<FlowKeyState> }>();
  /** QStash's own words reach people and the log: they must not echo the token, or a URL's query. */
  private readonly cleanDetail: (text: string) => string;
  /** Every call to this environment takes a slot here; new work asks `calls.admit()` first. */
  readonly calls: CallLimit;

  constructor(private readonly options: QStashClientOptions) {
    const scrub = secretScrubber([options.token]);
    this.cleanDetail = (text) => stripUrlSecrets(scrub(text));
    this.baseUrl = new URL(options.baseUrl);
    this.calls = new CallLimit(options.limit ?? { maxConcurrent: 10_000, maxQueued: 100_000 });
    this.totalTimeoutMs = options.totalTimeoutMs ?? 20_000;
    const baseDelayMs = options.baseDelayMs ?? 250;
    this.http = got.extend({
      headers: { authorization: `Bearer ${options.token}`, 'user-agent': 'flowbot' },
      responseType: 'text',
      throwHttpErrors: true,
      followRedirect: false,
      timeout: { request: options.attemptTimeoutMs ?? 8_000 },
      retry: {
        limit: (options.maxAttempts ?? 4) - 1,
        methods: ['GET', 'POST'],
        statusCodes: [408, 429, 500, 502, 503, 504, 520, 521, 522, 524],
        errorCodes: [
          'ETIMEDOUT',
          'ECONNRESET',
          'ECONNREFUSED',
          'EPIPE',
          'ENOTFOUND',
          'EAI_AGAIN',
          'ENETUNREACH',
        ],
        enforceRetryRules: true,
        maxRetryAfter: this.totalTimeoutMs,
        calculateDelay: ({ attemptCount, error, retryAfter }) => {
          const context = error.options.context as CallContext;
          // The daily quota resets hours later: retrying only spends the call's deadline and the next quota.
          if (
            error.response?.statusCode === 429 &&
            rateLimitFacts(error.response.headers, Date.now()).limit === 'daily'
          )
            return 0;
          return retryDelay({
            attempt: attemptCount,
            retryAfterMs: retryAfter,
            headers: error.response?.headers,
            nowMs: Date.now(),
            deadlineMs: context.deadline,
            baseDelayMs,
            maxDelayMs: 4_000,
            random: Math.random(),
          });
        },
      },
      hooks: {
        beforeRequest: [
          (options) => {
            const context = options.context as CallContext;
            context.attempts += 1;
          },
        ],
        beforeRetry: [
          (error) => {
            const context = error.options.context as CallContext;
            // A refusal (4xx, 429 included) proves the attempt was not applied; anything else does not.
            const status = error.response?.statusCode;
            if (status === undefined || status >= 500 || status === 408) context.uncertain = true;
          },
        ],
      },
    });
  }

  /**
   * Reads of one key share a request in flight, if it started no earlier than `freshSince` (ms): during an
   * incident many people and alerts ask about the same key at once, and QStash should see one read, not a
   * hundred. A read after a change passes the change's time, so it never gets an answer from before it.
   */
  get(key: string, freshSince = 0): Promise<FlowKeyState> {
    const shared = this.reads.get(key);
    if (shared && shared.started >= freshSince) return shared.state;
    const started = Date.now();
    const state = this.read(key).finally(() => {
      if (this.reads.get(key)?.state === state) this.reads.delete(key);
    });
    this.reads.set(key, { started, state });
    return state;
  }

  /** Whether a read of the key is in flight (a new read now would share it, adding no call). */
  reading(key: string): boolean {
    return this.reads.has(key);
  }

  private async read(key: string): Promise<FlowKeyState> {
    const body = await this.call('get', 'GET', key);
    const state = parseFlowKey(body);
    if (!state) throw new QStashError({ kind: 'invalid_response', status: 200 });
    return state;
  }

  async list(): Promise<FlowKeyState[]> {
    const body = await this.call('list', 'GET', undefined);
    const keys = parseFlowKeyList(body);
    if (!keys) throw new QStashError({ kind: 'invalid_response', status: 200 });
    return keys;
  }

  async globalParallelism(): Promise<GlobalParallelism> {
    const body = await this.call('global', 'GET', undefined);
    const global = parseGlobalParallelism(body);
    if (!global) throw new QStashError({ kind: 'invalid_response', status: 200 });
    return global;
  }

  async pause(key: string): Promise<void> {
    await this.call('pause', 'POST', key);
  }

  async resume(key: string): Promise<void> {
    await this.call('resume', 'POST', key);
  }

  async resetRate(key: string): Promise<void> {
    await this.call('resetRate', 'POST', key);
  }

  async pin(key: string, settings: PinSettings): Promise<void> {
    const query: Record<string, string> = {};
    if (settings.parallelism !== undefined) query.parallelism = String(settings.parallelism);
    if (settings.rate !== undefined) query.rate = String(settings.rate);
    if (settings.period !== undefined) query.period = String(settings.period);
    await this.call('pin', 'POST', key, query);
  }

  async unpin(key: string, settings: UnpinSettings): Promise<void> {
    await this.call('unpin', 'POST', key, {
      parallelism: String(settings.parallelism),
      rate: String(settings.rate),
    });
  }

  /** The URL of one operation; the key is always exactly one percent-encoded path segment. */
  urlFor(operation: Operation, key: string | undefined): URL {
    const url = new URL(this.baseUrl.href);
    const prefix = url.pathname.replace(/\/+$/, '');
    if (operation === 'global') {
      url.pathname = `${prefix}/v2/globalParallelism`;
      return url;
    }
    if (key === undefined) {
      url.pathname = `${prefix}/v2/flowControl`;
      return url;
    }
    const check = checkKey(key);
    // Refused before anything is sent: the detail names the problem's code, never the key.
    if (check.kind === 'invalid')
      throw new QStashError({
        kind: 'bad_request',
        detail: `invalid key (${check.problem.code})`,
        attempts: 0,
      });
    const segment = encodeURIComponent(key);
    url.pathname = `${prefix}/v2/flowControl/${segment}${operation === 'get' ? '' : `/${operation}`}`;
    return url;
  }

  private async call(
    operation: Operation,
    method: Method,
    key: string | undefined,
    searchParams?: Record<string, string>,
  ): Promise<unknown> {
    const url = this.urlFor(operation, key);
    if (searchParams)
      for (const [name, value] of Object.entries(searchParams)) url.searchParams.set(name, value);
    const context: CallContext = {
      deadline: Date.now() + this.totalTimeoutMs,
      attempts: 0,
      uncertain: false,
    };
    const started = Date.now();
    try {
      const response = await this.calls.run(() => this.http(url, { method, context }));
      // What follows an answer (the next call, the reply to Slack) waits for the event loop's next turn, so
      // requests from Slack that arrived meanwhile are acknowledged first: acks never queue behind a burst of
      // QStash answers.
      await yieldTurn();
      // Redirects are not followed, and Got hands them back as answers: a 3xx (a proxy, or a QSTASH_URL
      // that QStash redirects) did not apply anything, and must never read as a change done.
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new QStashError({
          kind: 'invalid_response',
          status: response.statusCode,
          attempts: Math.max(1, (response.request.options.context as CallContext | undefined)?.attempts ?? 0),
          ...(this.options.settingNames ? { settings: this.options.settingNames } : {}),
        });
      this.report(operation, response.statusCode, undefined, started);
      return parseJson(response.body);
    } catch (error) {
      // Got hands its hooks a copy of the context: what they counted is on the error's options.
      const seen = contextOf(error) ?? context;
      let failure = toQStashError(error, Math.max(1, seen.attempts), {
        clean: this.cleanDetail,
        settings: this.options.settingNames,
        uncertain: seen.uncertain,
      });
      if (failure.kind === 'not_found') failure = await this.whichNotFound(operation, key, failure);
      this.report(operation, failure.status, failure.kind, started);
      throw failure;
    }
  }

  /**
   * A 404 means an unknown key or an account QStash does not know in this region (the URL points at another
   * region than the token's). QStash's words usually say which; when they do not (an empty or generic body on
   * a key's route), one read of an account-level endpoint decides: it answers unless the account is unknown.
   */
  private async whichNotFound(
    operation: Operation,
    key: string | undefined,
    failure: QStashError,
  ): Promise<QStashError> {
    const as = (kind: QStashErrorKind, detail = failure.detail) =>
      new QStashError({ ...failure.fields(), kind, detail });
    // QStash repeats the key in its words; the key is chosen by whoever publishes, so its letters (a key
    // called `orders-region-eu`) must not decide which 404 this is.
    const words = key === undefined ? failure.detail : withoutKey(failure.detail, key);
    if (ACCOUNT_NOT_FOUND.test(words)) return as('account_not_found');
    if (KEY_NOT_FOUND.test(words)) return failure;
    // The list and global endpoints have no key: a bare 404 there is a missing route (an older QStash).
    if (operation === 'list' || operation === 'global') return failure;
    try {
      await this.calls.run(() =>
        this.http(this.urlFor('global', undefined), {
          method: 'GET',
          retry: { limit: 0 },
          context: { deadline: Date.now() + this.totalTimeoutMs, attempts: 0, uncertain: false },
        }),
      );
      return failure;
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 404)
        return as('account_not_found', errorDetail(error.response.body, this.cleanDetail) || failure.detail);
      return failure;
    }
  }

  private report(
    operation: string,
    status: number | undefined,
    errorCode: string | undefined,
    started: number,
  ) {
    try {
      this.options.onAttempt?.({ operation, status, errorCode, durationMs: Date.now() - started });
    } catch {
      // Observers are for metrics only; they must never change an outcome.
    }
  }
}

/** Shortest part of a key, cut off at the end of QStash's words, still taken for the key. */
const MIN_CUT_KEY = 12;

/**
 * QStash's words with every occurrence of `key` taken out, including a key cut short where the words were
 * cut (`errorDetail` keeps 200 characters).
 */
export function withoutKey(detail: string, key: string): string {
  if (key === '') return detail;
  const text = detail.split(key).join(' ');
  for (let length = Math.min(key.length - 1, text.length); length >= MIN_CUT_KEY; length--) {
    if (text.endsWith(key.slice(0, length))) return text.slice(0, text.length - length);
  }
  return text;
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function contextOf(error: unknown): CallContext | undefined {
  return error instanceof RequestError ? (error.options?.context as CallContext | undefined) : undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorDetail(body: unknown, clean: (text: string) => string): string {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  if (parsed && typeof parsed === 'object' && 'error' in parsed) {
    const text = (parsed as { error: unknown }).error;
    // Cleaned before it is cut, so that a cut cannot leave part of a secret that no longer matches.
    if (typeof text === 'string') return clean(text).slice(0, 200);
  }
  return '';
}

function kindForStatus(status: number): QStashErrorKind {
  if (status === 400 || status === 422) return 'bad_request';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  return 'unavailable';
}

interface ErrorContext {
  readonly clean: (text: string) => string;
  readonly settings: QStashSettingNames | undefined;
  readonly uncertain: boolean;
}

/** Got's errors carry the request options (with the token): only safe fields cross this line. */
function toQStashError(error: unknown, attempts: number, context: ErrorContext): QStashError {
  if (error instanceof QStashError) return error;
  const common = {
    attempts,
    ...(context.settings ? { settings: context.settings } : {}),
    ...(context.uncertain ? { earlierAttemptUncertain: true } : {}),
  };
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const limit = status === 429 ? rateLimitFacts(error.response.headers, Date.now()) : undefined;
    return new QStashError({
      kind: kindForStatus(status),
      detail: errorDetail(error.response.body, context.clean),
      status,
      ...common,
      ...(limit?.limit ? { limit: limit.limit } : {}),
      ...(limit?.resetAt !== undefined ? { resetAt: limit.resetAt } : {}),
    });
  }
  if (error instanceof TimeoutError)
    return new QStashError({ kind: 'timeout', ...common, earlierAttemptUncertain: true });
  if (error instanceof RequestError) {
    const status = error.response?.statusCode;
    if (status !== undefined) return new QStashError({ kind: kindForStatus(status), status, ...common });
    return new QStashError({ kind: 'unavailable', ...common });
  }
  return new QStashError({ kind: 'unavailable', ...common });
}
