import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { LoopbackServer, readBody } from './loopback-server.js';
import { Waiters } from './waiters.js';

/**
 * A local QStash that answers the flow-control part of the REST API the way the real service does
 * (see the NOTES in the OpenAPI reference), with in-process controls for state, faults and inspection.
 */

export type MutationAction = 'pause' | 'resume' | 'pin' | 'unpin' | 'resetRate';
export type RouteName = 'list' | 'get' | 'global' | MutationAction;
export type RecordedRoute = RouteName | 'unknown';

export interface FlowControlKeyState {
  flowControlKey: string;
  waitListSize: number;
  parallelismMax: number;
  parallelismCount: number;
  rateMax: number;
  rateCount: number;
  /** Seconds. */
  ratePeriod: number;
  /** Unix seconds. */
  ratePeriodStart: number;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
  isPaused: boolean;
}

export type FlowControlKeyInit = Partial<FlowControlKeyState> & { flowControlKey: string };

export interface GlobalParallelism {
  parallelismMax: number;
  parallelismCount: number;
}

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
  | { kind: 'delay'; ms: number };

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
  /** Epoch milliseconds at arrival. */
  time: number;
  fault?: QStashFault['kind'];
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
export type RateLimitHeaderStyle = 'burst' | 'legacy' | 'retry-after' | 'both';

export interface QStashEmulatorOptions {
  token?: string;
  tokens?: string[];
  latencyMs?: number;
  listShape?: ListShape;
  unknownKeyMutation?: UnknownKeyMutation;
  waitlistFieldName?: WaitlistFieldName;
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
  readonly requests: RecordedRequest[];
  readonly mutations: AppliedMutation[];

  setKey(init: FlowControlKeyInit): FlowControlKeyState;
  getKey(key: string): FlowControlKeyState | undefined;
  deleteKey(key: string): boolean;
  keys(): FlowControlKeyState[];
  /** The JSON the server would send for the key, zero/false fields omitted. */
  serialize(key: string): Record<string, unknown> | undefined;
  setGlobal(update: Partial<GlobalParallelism>): GlobalParallelism;
  getGlobal(): GlobalParallelism;
  setListShape(shape: ListShape): void;

  clearRequests(): void;
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Mutations the handler accepted for the key (optionally one action), faulted-but-applied ones included. */
  appliedMutations(key: string, action?: MutationAction): number;

  inject(rule: FaultRule): void;
  rateLimit(
    times?: number,
    retryAfterSeconds?: number,
    opts?: FaultMatch & { style?: RateLimitHeaderStyle },
  ): void;
  unavailable(times?: number, opts?: FaultMatch): void;
  pendingFaults(): number;
  clearFaults(): void;

  /** One delivery period for one key or every key; returns how many messages left the waitlist(s). */
  tick(key?: string): number;
  /** Ticks until nothing moves or `ticks` periods have passed; returns the total delivered. */
  drain(ticks?: number, key?: string): number;
  startTicking(intervalMs: number): void;
  stopTicking(): void;

  close(): Promise<void>;
}

const MUTATIONS: readonly MutationAction[] = ['pause', 'resume', 'pin', 'unpin', 'resetRate'];
const DEFAULT_TOKEN = 'test-qstash-token';

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

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function emptyKey(flowControlKey: string): FlowControlKeyState {
  return {
    flowControlKey,
    waitListSize: 0,
    parallelismMax: 0,
    parallelismCount: 0,
    rateMax: 0,
    rateCount: 0,
    ratePeriod: 0,
    ratePeriodStart: 0,
    isPinnedParallelism: false,
    isPinnedRate: false,
    isPaused: false,
  };
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

class Emulator implements QStashEmulator {
  url = '';
  latencyMs: number;
  listShape: ListShape;
  unknownKeyMutation: UnknownKeyMutation;
  readonly waitlistFieldName: WaitlistFieldName;
  readonly tokens: readonly string[];
  readonly requests: RecordedRequest[] = [];
  readonly mutations: AppliedMutation[] = [];

  private readonly state = new Map<string, FlowControlKeyState>();
  private global: GlobalParallelism = { parallelismMax: 0, parallelismCount: 0 };
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
    this.latencyMs = opts.latencyMs ?? 0;
    this.listShape = opts.listShape ?? 'array';
    this.unknownKeyMutation = opts.unknownKeyMutation ?? 'ok';
    this.waitlistFieldName = opts.waitlistFieldName ?? 'waitListSize';
  }

  async listen(): Promise<void> {
    this.url = await this.http.listen();
  }

  setKey(init: FlowControlKeyInit): FlowControlKeyState {
    const current = this.state.get(init.flowControlKey) ?? emptyKey(init.flowControlKey);
    const next = { ...current, ...init };
    this.state.set(init.flowControlKey, next);
    return { ...next };
  }

  getKey(key: string): FlowControlKeyState | undefined {
    const s = this.state.get(key);
    return s === undefined ? undefined : { ...s };
  }

  deleteKey(key: string): boolean {
    return this.state.delete(key);
  }

  keys(): FlowControlKeyState[] {
    return [...this.state.values()].map((s) => ({ ...s }));
  }

  serialize(key: string): Record<string, unknown> | undefined {
    const s = this.state.get(key);
    return s === undefined ? undefined : this.toWire(s);
  }

  setGlobal(update: Partial<GlobalParallelism>): GlobalParallelism {
    this.global = { ...this.global, ...update };
    return { ...this.global };
  }

  getGlobal(): GlobalParallelism {
    return { ...this.global };
  }

  setListShape(shape: ListShape): void {
    this.listShape = shape;
  }

  private toWire(s: FlowControlKeyState): Record<string, unknown> {
    const out: Record<string, unknown> = { flowControlKey: s.flowControlKey };
    for (const [name, value] of Object.entries(s)) {
      if (name === 'flowControlKey' || value === 0 || value === false || value === undefined) continue;
      out[name === 'waitListSize' ? this.waitlistFieldName : name] = value;
    }
    return out;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
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

  rateLimit(
    times = 1,
    retryAfterSeconds = 1,
    opts: FaultMatch & { style?: RateLimitHeaderStyle } = {},
  ): void {
    const { style = 'burst', ...match } = opts;
    const headers = (): Record<string, string> => {
      const out: Record<string, string> = {};
      if (style === 'retry-after' || style === 'both') out['Retry-After'] = String(retryAfterSeconds);
      if (style !== 'retry-after') {
        const prefix = style === 'legacy' ? 'RateLimit' : 'Burst-RateLimit';
        out[`${prefix}-Limit`] = '100';
        out[`${prefix}-Remaining`] = '0';
        out[`${prefix}-Reset`] = String(Math.ceil(Date.now() / 1000 + retryAfterSeconds));
      }
      return out;
    };
    this.inject({
      kind: 'status',
      status: 429,
      body: errorBody('rate limit exceeded'),
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
    const targets =
      key === undefined ? [...this.state.values()] : [this.state.get(key)].filter((s) => s !== undefined);
    let delivered = 0;
    for (const s of targets) {
      if (s.isPaused || s.waitListSize <= 0) continue;
      const limit = s.rateMax > 0 ? s.rateMax : s.parallelismMax > 0 ? s.parallelismMax : s.waitListSize;
      const n = Math.min(s.waitListSize, limit);
      s.waitListSize -= n;
      delivered += n;
    }
    return delivered;
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
      time: Date.now(),
    };
    this.requests.push(rec);
    this.requestWaiters.notify(rec);

    const fault = this.takeFault(rec);
    if (fault !== undefined) rec.fault = fault.kind;
    const applies = fault === undefined || fault.kind === 'delay' || fault.applyFirst === true;
    let answer = applies ? this.process(rec, parsed, search, req) : undefined;

    const wait = this.latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    if (wait > 0) await this.sleep(wait);
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

  private authorized(req: IncomingMessage, search: URLSearchParams): boolean {
    const header = req.headers.authorization;
    const bearer = header === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(header.trim())?.[1];
    if (bearer !== undefined && this.tokens.includes(bearer)) return true;
    const queryToken = search.get('qstash_token');
    return queryToken !== null && this.tokens.includes(queryToken);
  }

  private process(
    rec: RecordedRequest,
    parsed: ParsedRoute,
    search: URLSearchParams,
    req: IncomingMessage,
  ): Answer {
    if (!this.authorized(req, search)) return { status: 401, body: errorBody('Unauthorized') };
    if (parsed.route === 'unknown') return { status: 404, body: errorBody('not found') };
    if (parsed.badKey !== undefined) return { status: 400, body: errorBody(parsed.badKey) };

    switch (parsed.route) {
      case 'list': {
        const list = [...this.state.values()].map((s) => this.toWire(s));
        return { status: 200, body: this.listShape === 'object' ? { flowControls: list } : list };
      }
      case 'global':
        return { status: 200, body: { ...this.global } };
      case 'get': {
        const s = this.state.get(parsed.key ?? '');
        return s === undefined
          ? { status: 404, body: errorBody(`flow control key not found: ${parsed.key}`) }
          : { status: 200, body: this.toWire(s) };
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
          s.rateCount = 0;
          s.ratePeriodStart = nowSeconds();
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
          // Pinning resets the key's rate count and period upstream.
          s.rateCount = 0;
          s.ratePeriodStart = nowSeconds();
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

    const s = this.state.get(key);
    if (s === undefined && this.unknownKeyMutation === 'not-found') {
      return { status: 404, body: errorBody(`flow control key not found: ${key}`) };
    }
    if (s !== undefined) apply(s);
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
