import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { type Clock, systemClock } from './clock.js';
import { LoopbackServer, readBody } from './loopback-server.js';
import {
  type FlowControlKeyInit,
  type FlowControlKeyState,
  FlowModel,
  type GlobalParallelism,
  type LiveOptions,
  type MessageFlowControl,
} from './qstash-flow-model.js';
import { DEFAULT_WAIT_MS, Waiters } from './waiters.js';

export type {
  FlowControlKeyInit,
  FlowControlKeyState,
  GlobalParallelism,
  LiveOptions,
  MessageFlowControl,
} from './qstash-flow-model.js';

/**
 * A local QStash that answers the flow-control part of the REST API the way the real service does, following
 * `reference/qstash-flow-control.openapi.yaml` and its NOTES, with in-process controls for state, faults,
 * time and inspection:
 * - Every error has the body `{"error": "…"}`: 401 for a token it does not know, 404 `user not found in this
 *   region` for a token of the same account in another region (`otherRegionTokens`), 404 for reading an
 *   unknown key or an unknown route, 400 for bad pin/unpin values or an empty key.
 * - Mutating an unknown key is not documented. The choice kept here (`unknownKeyMutation: 'ok'`, the default)
 *   is 200 with nothing changed, which is what a client must not take as proof the key exists;
 *   `'not-found'` answers 404 instead.
 * - Zero and false fields are left out of answers; the list comes as a bare array or as
 *   `{"flowControls": [...]}` (`listShape`); the waitlist field is spelled `waitListSize` or, as in the
 *   Workflow copy of the spec, `waitlistSize` (`waitlistFieldName`, per route if need be).
 * - Two kinds of 429, with their headers: the per-second burst limit (`Burst-RateLimit-Limit/-Remaining/-Reset`,
 *   reset within a second) and the daily request quota (`RateLimit-Limit/-Remaining/-Reset`, reset at the
 *   next UTC midnight). `burstLimitPerSecond` and `dailyQuota` make them fire on their own; `rateLimit()`
 *   injects either. A 429 never applies the request.
 * - Keys move with the clock when `live` is on (see `qstash-flow-model.ts`); `clock` is injectable.
 * Latency (`latencyMs`, real time) and faults (`inject`: status, hang, drop, delay) come on top.
 */

export type MutationAction = 'pause' | 'resume' | 'pin' | 'unpin' | 'resetRate';
export type RouteName = 'list' | 'get' | 'global' | MutationAction;
export type RecordedRoute = RouteName | 'unknown';

/**
 * What the emulator does instead of (or, with `applyFirst`, after) handling a request.
 * Without `applyFirst` the request has no effect; with it the mutation is applied and only the answer is lost.
 * `delay` always applies the request and only postpones the answer.
 */
export type QStashFault =
  | {
      kind: 'status';
      status: number;
      body?: unknown;
      /** A function is evaluated when the answer is sent, for headers that carry a timestamp. */
      headers?: Record<string, string> | (() => Record<string, string>);
      applyFirst?: boolean;
    }
  | { kind: 'hang'; applyFirst?: boolean }
  | { kind: 'drop'; applyFirst?: boolean }
  | { kind: 'delay'; ms: number }
  /** Applies the request and answers once `until` settles: a QStash kept busy until the test says so. */
  | { kind: 'hold'; until: Promise<unknown> };

export interface FaultMatch {
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  method?: string;
  route?: RouteName;
  /** Decoded flow-control key. */
  key?: string;
}

export type FaultRule = QStashFault & FaultMatch;

export interface RecordedRequest {
  method: string;
  /** The request target exactly as the client sent it, query included. */
  rawUrl: string;
  /** The raw request target before '?', still percent-encoded. */
  rawPath: string;
  /** rawPath with every segment percent-decoded: readable, but ambiguous for keys containing '/'. */
  path: string;
  route: RecordedRoute;
  /** The decoded key segment, when the path had the shape of a key route. */
  key?: string;
  query: Record<string, string>;
  authorization?: string;
  body: string;
  /** Epoch milliseconds at arrival, from the emulator's clock. */
  time: number;
  fault?: QStashFault['kind'];
  /** The kind of 429 the emulator's own limits answered, when they did. */
  limited?: RateLimitKind;
  /** Status sent back; stays undefined for hang, drop, or an answer still pending. */
  status?: number;
}

export interface AppliedMutation {
  key: string;
  action: MutationAction;
  query: Record<string, string>;
  time: number;
  /** False when the key did not exist and `unknownKeyMutation` is 'ok': accepted, but nothing changed. */
  keyExisted: boolean;
}

export type ListShape = 'array' | 'object';
export type UnknownKeyMutation = 'ok' | 'not-found';
export type WaitlistFieldName = 'waitListSize' | 'waitlistSize';
/** QStash's two kinds of 429: the per-second burst limit, and the daily request quota. */
export type RateLimitKind = 'burst' | 'daily';

export interface QStashEmulatorOptions {
  token?: string;
  tokens?: string[];
  /** Tokens valid in another region: answered 404 `user not found in this region`. */
  otherRegionTokens?: string[];
  latencyMs?: number;
  listShape?: ListShape;
  unknownKeyMutation?: UnknownKeyMutation;
  /** One spelling for every answer, or one for single-key answers and one for the list. */
  waitlistFieldName?: WaitlistFieldName | { get: WaitlistFieldName; list: WaitlistFieldName };
  /** Requests allowed per second (QStash's burst limit on these endpoints); unset means no limit. */
  burstLimitPerSecond?: number;
  /** Requests allowed per UTC day; unset means no quota. */
  dailyQuota?: number;
  /** Let keys move with the clock (see `qstash-flow-model.ts`); off by default. */
  live?: boolean | LiveOptions;
  clock?: Clock;
}

export interface QStashEmulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly tokens: readonly string[];
  /** Added before every answer (effects are applied on arrival). */
  latencyMs: number;
  listShape: ListShape;
  unknownKeyMutation: UnknownKeyMutation;
  readonly waitlistFieldName: WaitlistFieldName;
  readonly clock: Clock;
  readonly requests: RecordedRequest[];
  readonly mutations: AppliedMutation[];
  /** Requests received and not yet answered (or dropped), now. */
  readonly inFlight: number;
  /** The most requests in flight at once since start (or `clearRequests`). */
  readonly peakInFlight: number;

  setKey(init: FlowControlKeyInit): FlowControlKeyState;
  getKey(key: string): FlowControlKeyState | undefined;
  deleteKey(key: string): boolean;
  keys(): FlowControlKeyState[];
  /** The JSON the server would send for the key, zero/false fields omitted. */
  serialize(key: string): Record<string, unknown> | undefined;
  setGlobal(update: Partial<GlobalParallelism>): GlobalParallelism;
  getGlobal(): GlobalParallelism;
  setListShape(shape: ListShape): void;
  /** Sets the requests allowed per second (undefined: no limit). */
  setBurstLimit(perSecond: number | undefined): void;
  /** Sets the requests allowed per UTC day (undefined: no quota); the day's count is kept. */
  setDailyQuota(perDay: number | undefined): void;
  /** Turns the clock-driven model on or off. */
  setLive(live: boolean | LiveOptions): void;
  /** New messages for a key (created if need be); their flow control becomes the key's unless pinned. */
  publish(key: string, count?: number, control?: MessageFlowControl): FlowControlKeyState;
  /** Messages dispatched for a key so far. */
  delivered(key: string): number;

  clearRequests(): void;
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Mutations the handler accepted for the key (optionally one action), faulted-but-applied ones included. */
  appliedMutations(key: string, action?: MutationAction): number;

  inject(rule: FaultRule): void;
  /**
   * The next `times` matching requests answer 429 of the given kind (default `burst`) with QStash's headers;
   * `resetInSeconds` is when the limit resets (default: the next second for burst, the next UTC midnight for
   * daily).
   */
  rateLimit(times?: number, resetInSeconds?: number, opts?: FaultMatch & { kind?: RateLimitKind }): void;
  unavailable(times?: number, opts?: FaultMatch): void;
  pendingFaults(): number;
  clearFaults(): void;

  /** One coarse delivery period for one key or every key, ignoring the clock; returns how many moved. */
  tick(key?: string): number;
  /** Ticks until nothing moves or `ticks` periods have passed; returns the total delivered. */
  drain(ticks?: number, key?: string): number;
  startTicking(intervalMs: number): void;
  stopTicking(): void;

  close(): Promise<void>;
}

const MUTATIONS: readonly MutationAction[] = ['pause', 'resume', 'pin', 'unpin', 'resetRate'];
const DEFAULT_TOKEN = 'test-qstash-token';
const DAY_MS = 86_400_000;
/** QStash's words are not documented for these; the kind is in the headers, which is what clients read. */
const BURST_ERROR = 'burst rate limit exceeded';
const DAILY_ERROR = 'daily request limit exceeded';
const REGION_ERROR = 'user not found in this region';

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface ParsedRoute {
  route: RecordedRoute;
  key?: string;
  /** The path had a key route's shape but the segment cannot be a key. */
  badKey?: string;
}

function decodeSegments(rawPath: string): string {
  return rawPath
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

/**
 * Routes on the raw path, never on a decoded one, so that a key which was not encoded as a single segment
 * lands on a different (usually unknown) route, exactly as it would upstream.
 */
function parseRoute(method: string, rawPath: string): ParsedRoute {
  if (rawPath === '/v2/flowControl') return { route: method === 'GET' ? 'list' : 'unknown' };
  if (rawPath === '/v2/globalParallelism') return { route: method === 'GET' ? 'global' : 'unknown' };
  const parts = rawPath.split('/');
  if (
    parts.length < 4 ||
    parts.length > 5 ||
    parts[0] !== '' ||
    parts[1] !== 'v2' ||
    parts[2] !== 'flowControl'
  ) {
    return { route: 'unknown' };
  }
  const segment = parts[3] ?? '';
  const action = parts[4];
  let route: RecordedRoute = 'unknown';
  if (action === undefined) {
    if (method === 'GET') route = 'get';
  } else if (method === 'POST' && (MUTATIONS as readonly string[]).includes(action)) {
    route = action as MutationAction;
  }
  let key: string;
  try {
    key = decodeURIComponent(segment);
  } catch {
    return { route, badKey: 'invalid flow control key encoding' };
  }
  // A real router only ever sees dot segments after URL normalisation has already removed them.
  if (key === '.' || key === '..') return { route: 'unknown' };
  if (key === '') return { route, badKey: 'flow control key is required' };
  return { route, key };
}

function errorBody(message: string): { error: string } {
  return { error: message };
}

function sendAnswer(res: ServerResponse, answer: Answer): number | undefined {
  if (res.destroyed || res.writableEnded) return undefined;
  let payload = '';
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) {
    if (typeof answer.body === 'string') {
      payload = answer.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(answer.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
  return answer.status;
}

/** The headers of each kind of limit; `reset` in unix seconds, as QStash sends it. */
function limitHeaders(
  kind: RateLimitKind,
  limit: number,
  remaining: number,
  reset: number,
): Record<string, string> {
  const prefix = kind === 'burst' ? 'Burst-RateLimit' : 'RateLimit';
  return {
    [`${prefix}-Limit`]: String(limit),
    [`${prefix}-Remaining`]: String(Math.max(0, remaining)),
    [`${prefix}-Reset`]: String(reset),
  };
}

class Emulator implements QStashEmulator {
  url = '';
  latencyMs: number;
  listShape: ListShape;
  unknownKeyMutation: UnknownKeyMutation;
  readonly waitlistFieldName: WaitlistFieldName;
  readonly clock: Clock;
  readonly tokens: readonly string[];
  readonly requests: RecordedRequest[] = [];
  readonly mutations: AppliedMutation[] = [];
  inFlight = 0;
  peakInFlight = 0;

  private readonly listWaitlistField: WaitlistFieldName;
  private readonly otherRegionTokens: ReadonlySet<string>;
  private readonly model: FlowModel;
  private burstLimit: number | undefined;
  private dailyQuota: number | undefined;
  private burstWindow = { second: -1, count: 0 };
  private quotaWindow = { day: -1, count: 0 };
  private faults: Array<{ fault: QStashFault; match: FaultMatch; remaining: number }> = [];
  private readonly sleepers = new Set<() => void>();
  private readonly requestWaiters = new Waiters<RecordedRequest>(() => this.requests);
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly http = new LoopbackServer(
    createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        sendAnswer(res, { status: 500, body: errorBody(`emulator failure: ${String(err)}`) });
      });
    }),
  );

  constructor(opts: QStashEmulatorOptions) {
    const tokens = [...(opts.tokens ?? [])];
    if (opts.token !== undefined || tokens.length === 0) tokens.push(opts.token ?? DEFAULT_TOKEN);
    this.tokens = tokens;
    this.otherRegionTokens = new Set(opts.otherRegionTokens ?? []);
    this.latencyMs = opts.latencyMs ?? 0;
    this.listShape = opts.listShape ?? 'array';
    this.unknownKeyMutation = opts.unknownKeyMutation ?? 'ok';
    const spelling = opts.waitlistFieldName ?? 'waitListSize';
    this.waitlistFieldName = typeof spelling === 'string' ? spelling : spelling.get;
    this.listWaitlistField = typeof spelling === 'string' ? spelling : spelling.list;
    this.burstLimit = opts.burstLimitPerSecond;
    this.dailyQuota = opts.dailyQuota;
    this.clock = opts.clock ?? systemClock;
    this.model = new FlowModel(this.clock, opts.live ?? false);
  }

  async listen(): Promise<void> {
    this.url = await this.http.listen();
  }

  setKey(init: FlowControlKeyInit): FlowControlKeyState {
    return this.model.set(init);
  }

  getKey(key: string): FlowControlKeyState | undefined {
    return this.model.get(key);
  }

  deleteKey(key: string): boolean {
    return this.model.delete(key);
  }

  keys(): FlowControlKeyState[] {
    return this.model.all();
  }

  serialize(key: string): Record<string, unknown> | undefined {
    const s = this.model.get(key);
    return s === undefined ? undefined : this.toWire(s, this.waitlistFieldName);
  }

  setGlobal(update: Partial<GlobalParallelism>): GlobalParallelism {
    return this.model.setGlobal(update);
  }

  getGlobal(): GlobalParallelism {
    return this.model.getGlobal();
  }

  setListShape(shape: ListShape): void {
    this.listShape = shape;
  }

  setBurstLimit(perSecond: number | undefined): void {
    this.burstLimit = perSecond;
  }

  setDailyQuota(perDay: number | undefined): void {
    this.dailyQuota = perDay;
  }

  setLive(live: boolean | LiveOptions): void {
    this.model.setLive(live);
  }

  publish(key: string, count = 1, control: MessageFlowControl = {}): FlowControlKeyState {
    return this.model.publish(key, count, control);
  }

  delivered(key: string): number {
    return this.model.delivered(key);
  }

  private toWire(s: FlowControlKeyState, waitlistField: WaitlistFieldName): Record<string, unknown> {
    const out: Record<string, unknown> = { flowControlKey: s.flowControlKey };
    for (const [name, value] of Object.entries(s)) {
      if (name === 'flowControlKey' || value === 0 || value === false || value === undefined) continue;
      out[name === 'waitListSize' ? waitlistField : name] = value;
    }
    return out;
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.peakInFlight = this.inFlight;
  }

  waitForRequest(
    match: (r: RecordedRequest) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<RecordedRequest> {
    return this.requestWaiters.wait(
      match,
      timeoutMs,
      (seen) =>
        `no matching QStash request within ${timeoutMs} ms; received: ${
          seen.map((r) => `${r.method} ${r.rawUrl}`).join(', ') || 'nothing'
        }`,
    );
  }

  appliedMutations(key: string, action?: MutationAction): number {
    return this.mutations.filter((m) => m.key === key && (action === undefined || m.action === action))
      .length;
  }

  inject(rule: FaultRule): void {
    const { times, method, route, key, ...fault } = rule;
    this.faults.push({ fault: fault as QStashFault, match: { method, route, key }, remaining: times ?? 1 });
  }

  rateLimit(times = 1, resetInSeconds?: number, opts: FaultMatch & { kind?: RateLimitKind } = {}): void {
    const { kind = 'burst', ...match } = opts;
    const headers = (): Record<string, string> => {
      const now = this.clock.now();
      const reset =
        resetInSeconds !== undefined
          ? Math.ceil(now / 1000 + resetInSeconds)
          : kind === 'burst'
            ? Math.floor(now / 1000) + 1
            : this.nextUtcMidnight(now);
      // The configured limit when there is one; otherwise a plausible figure (only the kind and reset matter).
      return limitHeaders(
        kind,
        kind === 'burst' ? (this.burstLimit ?? 100) : (this.dailyQuota ?? 500),
        0,
        reset,
      );
    };
    this.inject({
      kind: 'status',
      status: 429,
      body: errorBody(kind === 'burst' ? BURST_ERROR : DAILY_ERROR),
      headers,
      ...match,
      times,
    });
  }

  unavailable(times = 1, opts: FaultMatch = {}): void {
    this.inject({ kind: 'status', status: 503, body: errorBody('service unavailable'), ...opts, times });
  }

  pendingFaults(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  clearFaults(): void {
    this.faults = [];
  }

  private takeFault(rec: RecordedRequest): QStashFault | undefined {
    const entry = this.faults.find(
      ({ match }) =>
        (match.method === undefined || match.method.toUpperCase() === rec.method) &&
        (match.route === undefined || match.route === rec.route) &&
        (match.key === undefined || match.key === rec.key),
    );
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults = this.faults.filter((f) => f !== entry);
    return entry.fault;
  }

  tick(key?: string): number {
    return this.model.tick(key);
  }

  drain(ticks = Number.POSITIVE_INFINITY, key?: string): number {
    let total = 0;
    for (let i = 0; i < ticks; i++) {
      const n = this.tick(key);
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  startTicking(intervalMs: number): void {
    this.stopTicking();
    this.ticker = setInterval(() => this.tick(), intervalMs);
    this.ticker.unref();
  }

  stopTicking(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await this.answer(req, res);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    const parsed = parseRoute(method, rawPath);
    const rec: RecordedRequest = {
      method,
      rawUrl,
      rawPath,
      path: decodeSegments(rawPath),
      route: parsed.route,
      key: parsed.key,
      query: Object.fromEntries(search),
      authorization: req.headers.authorization,
      body,
      time: this.clock.now(),
    };
    this.requests.push(rec);
    this.requestWaiters.notify(rec);

    const fault = this.takeFault(rec);
    if (fault !== undefined) rec.fault = fault.kind;
    const applies =
      fault === undefined || fault.kind === 'delay' || fault.kind === 'hold' || fault.applyFirst === true;
    let answer = applies ? this.process(rec, parsed, search, req) : undefined;

    const wait = this.latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    if (wait > 0) await this.sleep(wait);
    if (fault?.kind === 'hold') await fault.until.catch(() => undefined);
    if (this.closed) return;

    // Left unanswered on purpose; close() destroys the socket.
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'drop') {
      // A TCP reset rather than a clean FIN, so that clients see ECONNRESET.
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'status') answer = this.faultAnswer(fault);
    rec.status = sendAnswer(res, answer ?? { status: 500, body: errorBody('no answer') });
  }

  private faultAnswer(fault: Extract<QStashFault, { kind: 'status' }>): Answer {
    return {
      status: fault.status,
      body: fault.body ?? errorBody(STATUS_CODES[fault.status] ?? `status ${fault.status}`),
      headers: typeof fault.headers === 'function' ? fault.headers() : fault.headers,
    };
  }

  private bearer(req: IncomingMessage, search: URLSearchParams): string | undefined {
    const header = req.headers.authorization;
    const bearer = header === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(header.trim())?.[1];
    return bearer ?? search.get('qstash_token') ?? undefined;
  }

  private nextUtcMidnight(nowMs: number): number {
    return (Math.floor(nowMs / DAY_MS) + 1) * (DAY_MS / 1000);
  }

  /**
   * The account's request limits, counted for every authenticated request: the daily quota first (once it
   * is used up, nothing passes until midnight UTC), then the per-second burst. Limit headers go on every
   * answer while a limit is configured.
   */
  private limits(rec: RecordedRequest): { refused?: Answer; headers: Record<string, string> } {
    const now = this.clock.now();
    const headers: Record<string, string> = {};
    if (this.dailyQuota !== undefined) {
      const day = Math.floor(now / DAY_MS);
      if (this.quotaWindow.day !== day) this.quotaWindow = { day, count: 0 };
      const reset = this.nextUtcMidnight(now);
      if (this.quotaWindow.count >= this.dailyQuota) {
        rec.limited = 'daily';
        return {
          refused: {
            status: 429,
            body: errorBody(DAILY_ERROR),
            headers: limitHeaders('daily', this.dailyQuota, 0, reset),
          },
          headers,
        };
      }
      this.quotaWindow.count += 1;
      Object.assign(
        headers,
        limitHeaders('daily', this.dailyQuota, this.dailyQuota - this.quotaWindow.count, reset),
      );
    }
    if (this.burstLimit !== undefined) {
      const second = Math.floor(now / 1000);
      if (this.burstWindow.second !== second) this.burstWindow = { second, count: 0 };
      if (this.burstWindow.count >= this.burstLimit) {
        rec.limited = 'burst';
        return {
          refused: {
            status: 429,
            body: errorBody(BURST_ERROR),
            headers: { ...headers, ...limitHeaders('burst', this.burstLimit, 0, second + 1) },
          },
          headers,
        };
      }
      this.burstWindow.count += 1;
      Object.assign(
        headers,
        limitHeaders('burst', this.burstLimit, this.burstLimit - this.burstWindow.count, second + 1),
      );
    }
    return { headers };
  }

  private process(
    rec: RecordedRequest,
    parsed: ParsedRoute,
    search: URLSearchParams,
    req: IncomingMessage,
  ): Answer {
    const token = this.bearer(req, search);
    if (token !== undefined && this.otherRegionTokens.has(token))
      return { status: 404, body: errorBody(REGION_ERROR) };
    if (token === undefined || !this.tokens.includes(token))
      return { status: 401, body: errorBody('Unauthorized') };
    const { refused, headers } = this.limits(rec);
    if (refused) return refused;
    const answer = this.route(rec, parsed, search);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  }

  private route(rec: RecordedRequest, parsed: ParsedRoute, search: URLSearchParams): Answer {
    if (parsed.route === 'unknown') return { status: 404, body: errorBody('not found') };
    if (parsed.badKey !== undefined) return { status: 400, body: errorBody(parsed.badKey) };

    switch (parsed.route) {
      case 'list': {
        const list = this.model.all().map((s) => this.toWire(s, this.listWaitlistField));
        return { status: 200, body: this.listShape === 'object' ? { flowControls: list } : list };
      }
      case 'global':
        return { status: 200, body: this.model.getGlobal() };
      case 'get': {
        const s = this.model.get(parsed.key ?? '');
        return s === undefined
          ? { status: 404, body: errorBody(`flow control key not found: ${parsed.key}`) }
          : { status: 200, body: this.toWire(s, this.waitlistFieldName) };
      }
      default:
        return this.mutate(parsed.route, parsed.key ?? '', search, rec);
    }
  }

  private mutate(action: MutationAction, key: string, search: URLSearchParams, rec: RecordedRequest): Answer {
    let apply: (s: FlowControlKeyState) => void;
    switch (action) {
      case 'pause':
        apply = (s) => {
          s.isPaused = true;
        };
        break;
      case 'resume':
        apply = (s) => {
          s.isPaused = false;
        };
        break;
      case 'resetRate':
        apply = (s) => {
          this.model.resetPeriod(s);
        };
        break;
      case 'pin': {
        const values: Partial<Record<'parallelism' | 'rate' | 'period', number>> = {};
        for (const name of ['parallelism', 'rate', 'period'] as const) {
          const raw = search.get(name);
          if (raw === null) continue;
          const n = Number(raw);
          if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) {
            return { status: 400, body: errorBody(`invalid ${name}: must be a positive integer`) };
          }
          values[name] = n;
        }
        if (Object.keys(values).length === 0) {
          return { status: 400, body: errorBody('one of parallelism, rate or period is required') };
        }
        apply = (s) => {
          if (values.parallelism !== undefined) {
            s.parallelismMax = values.parallelism;
            s.isPinnedParallelism = true;
          }
          if (values.rate !== undefined || values.period !== undefined) {
            if (values.rate !== undefined) s.rateMax = values.rate;
            // QStash's rate period defaults to one second when only a rate is given.
            s.ratePeriod = values.period ?? (s.ratePeriod > 0 ? s.ratePeriod : 1);
            s.isPinnedRate = true;
          }
          this.model.resetPeriod(s);
        };
        break;
      }
      case 'unpin': {
        const flags: Partial<Record<'parallelism' | 'rate', boolean>> = {};
        for (const name of ['parallelism', 'rate'] as const) {
          const raw = search.get(name);
          if (raw === null) continue;
          if (raw !== 'true' && raw !== 'false') {
            return { status: 400, body: errorBody(`invalid ${name}: must be true or false`) };
          }
          flags[name] = raw === 'true';
        }
        apply = (s) => {
          if (flags.parallelism) s.isPinnedParallelism = false;
          if (flags.rate) s.isPinnedRate = false;
        };
        break;
      }
    }

    const s = this.model.mutable(key);
    if (s === undefined && this.unknownKeyMutation === 'not-found') {
      return { status: 404, body: errorBody(`flow control key not found: ${key}`) };
    }
    if (s !== undefined) {
      apply(s);
      this.model.changed();
    }
    this.mutations.push({
      key,
      action,
      query: { ...rec.query },
      time: rec.time,
      keyExisted: s !== undefined,
    });
    return { status: 200 };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTicking();
    for (const wake of [...this.sleepers]) wake();
    this.requestWaiters.rejectAll('QStash emulator closed');
    await this.http.close();
  }
}

export async function startQStashEmulator(opts: QStashEmulatorOptions = {}): Promise<QStashEmulator> {
  const emulator = new Emulator(opts);
  await emulator.listen();
  return emulator;
}
