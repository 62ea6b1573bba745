import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type SlackRefusal, validateMessage, validateView } from './block-kit.js';
import { type Clock, systemClock } from './clock.js';
import {
  FakeSurfaces,
  type FunctionExecution,
  type FunctionParameter,
  type SlackView,
  type SurfaceChange,
} from './fake-slack-surfaces.js';
import { LoopbackServer, readBody } from './loopback-server.js';
import { type ChannelInfo, type ChannelSetup, SlackChannels } from './slack-channels.js';
import { resolveRateLimits, SlackRateLimiter, type SlackRateLimitSettings } from './slack-rate-limits.js';
import { DEFAULT_WAIT_MS, Waiters } from './waiters.js';

export type { ChannelInfo, ChannelSetup } from './slack-channels.js';
export { SLACK_RATE_LIMITS, type SlackRateLimitSettings, type SlackRateLimits } from './slack-rate-limits.js';
export type { FunctionExecution, FunctionParameter, SlackView };
/** A view opened or published, as the fake keeps it (`view` is what was last sent). */
export type OpenedView = SlackView;

/**
 * A local stand-in for Slack's Web API (point the bot's WebClient at `${apiUrl}`) and for the response_url
 * endpoints that Bolt's respond() posts to, as strict as Slack:
 * - Every message (chat.postMessage / postEphemeral / update, response_url posts) and every view
 *   (views.publish / open / update / push) is checked with the Block Kit validator (`block-kit.ts`) and refused
 *   as Slack refuses it: HTTP 200 `{"ok":false,"error":"invalid_blocks","errors":[…]}` from the Web API,
 *   HTTP 400 with the bare error code from a response_url. On by default; `validate: false` (or
 *   `validation = false`) for a test that wants a lax Slack.
 * - Channels answer as Slack does (see `slack-channels.ts`): `channel_not_found` for DMs and private channels
 *   the bot cannot see, `not_in_channel`, `is_archived`; `conversations.open` opens the bot's DM with someone.
 * - Scopes: with `scopes` set, a method that needs another scope answers `missing_scope`.
 * - Rate limits, off by default (`rateLimits: true` for Slack's, see `slack-rate-limits.ts`): 429 with
 *   `Retry-After` in seconds and `{"ok":false,"error":"ratelimited"}`, and each refusal counted.
 * - A response_url takes 5 posts within 30 minutes (`used_url`, `expired_url`); a `trigger_id` opens one view
 *   within 3 seconds of its click (`exchanged_trigger_id`, `expired_trigger_id`); mint them with
 *   `responseUrl()` and `triggerId()`.
 * - Time comes from `clock` (default real time), so expiries and rate limits can be tested without waiting.
 * Faults (`failMethod`, `failResponseUrl`) come before everything else and stand for Slack having trouble.
 */

export type SlackFault =
  | { kind: 'error'; error: string }
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'drop' };

export interface SlackCall {
  method: string;
  /** Form or JSON params (plus query params); JSON-encoded values such as `blocks` are parsed. */
  params: Record<string, unknown>;
  authorization?: string;
  /** Epoch ms, from the fake's clock. */
  time: number;
  fault?: SlackFault['kind'];
  /** True when the rate limits (not an injected fault) refused the call with 429. */
  ratelimited?: boolean;
  /** HTTP status answered (undefined for hang and drop). */
  status?: number;
  /** The JSON answered, once answered (not for hang/drop/status faults). */
  response?: Record<string, unknown>;
  /** Why Slack refused the payload, when the Block Kit validator did. */
  refusal?: SlackRefusal;
}

export interface SlackMessage {
  type: 'message';
  ts: string;
  user: string;
  bot_id: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  edited?: { user: string; ts: string };
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
}

/** What Bolt's respond() sends; other fields pass through. */
export interface ResponseBody {
  text?: string;
  blocks?: unknown[];
  response_type?: 'in_channel' | 'ephemeral';
  replace_original?: boolean;
  delete_original?: boolean;
  [field: string]: unknown;
}

export interface ResponsePost {
  id: string;
  /** Parsed JSON, or the raw text wrapped as `{ text }` when it was not JSON. */
  body: ResponseBody;
  rawBody: string;
  status: number;
  time: number;
  /** Slack's error code when the post was refused (`used_url`, `expired_url`, `invalid_blocks`, …). */
  error?: string;
  /** Why the payload was refused, when the Block Kit validator did. */
  refusal?: SlackRefusal;
}

/**
 * What a response_url belongs to, so that posts to it can be shown where Slack shows them: the channel and
 * the person who acted, and the message whose button was clicked (a channel message's `ts`, or an ephemeral
 * message's `message_ts`). A slash command's response_url has no message.
 */
export interface ResponseOrigin {
  channel: string;
  user: string;
  ts?: string;
  ephemeralId?: string;
}

/** A change to what people in the fake workspace would see; the messages are copies. */
export type SlackChange =
  | { type: 'message_posted' | 'message_updated'; channel: string; message: SlackMessage }
  | { type: 'message_deleted'; channel: string; ts: string }
  | { type: 'ephemeral_posted' | 'ephemeral_updated'; ephemeral: EphemeralMessage }
  | { type: 'ephemeral_deleted'; channel: string; user: string; message_ts: string }
  | { type: 'response_posted'; post: ResponsePost }
  | SurfaceChange;

export type SlackChangeListener = (change: SlackChange) => void;

export interface FakeSlackOptions {
  botToken?: string;
  /** Posts accepted per response_url before it answers 404 used_url (Slack allows 5). 0 = unlimited. */
  responseUrlLimit?: number;
  /** How long a response_url stays usable, ms (Slack: 30 minutes). 0 = forever. */
  responseUrlTtlMs?: number;
  /**
   * Take posts to response_urls the fake never issued (`${url}/respond/<any id>`), as if issued at the first
   * post: for a load generator in another process that makes its own. Slack answers them 404 `no_service`.
   */
  acceptUnissuedResponseUrls?: boolean;
  /** Check every message and view against Block Kit's rules (default true). */
  validate?: boolean;
  /** Slack's rate limits (default off). */
  rateLimits?: SlackRateLimitSettings;
  /** The bot token's scopes; unset means every scope. */
  scopes?: readonly string[];
  clock?: Clock;
  /** How long a trigger_id can open a modal (Slack: 3 seconds). */
  triggerTtlMs?: number;
  /**
   * The workspace the bot token belongs to, as `auth.test` names it (default `T0001`, the request builders'
   * default too), and its Enterprise Grid org (`enterprise_id`, absent by default) with whether the app is
   * installed org-wide (`is_enterprise_install`).
   */
  teamId?: string;
  enterpriseId?: string;
  enterpriseInstall?: boolean;
}

/** Slack's error codes for a payload it could not accept, as opposed to a channel or a fault. */
export const PAYLOAD_ERRORS: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_attachments',
  'too_many_attachments',
  'invalid_arguments',
  'invalid_payload',
]);

export interface FakeSlack {
  /** Base URL without a trailing slash; the Web API lives at `${url}/api/`. */
  readonly url: string;
  readonly apiUrl: string;
  readonly botToken: string;
  readonly calls: SlackCall[];
  /** Block Kit validation, on unless the options or a test turned it off. */
  validation: boolean;
  readonly clock: Clock;

  callsTo(method: string): SlackCall[];
  waitForCall(method: string, predicate?: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  failMethod(method: string, fault: SlackFault, times?: number): void;
  /** Forgets the faults `failMethod` set that have not happened yet. */
  clearFaults(): void;
  clearCalls(): void;
  /** Turns Slack's rate limits on (true or adjusted limits) or off. Starting them anew forgets past calls. */
  setRateLimits(settings: SlackRateLimitSettings): void;
  /** How many calls (to one method, or all) the rate limits refused with 429. */
  ratelimited(method?: string): number;
  /**
   * Every message or view Slack would have refused for its content (Web API calls and response_url posts):
   * `invalid_blocks`, `msg_too_long`, `no_text`… An empty list means Slack accepted all of it.
   */
  payloadRefusals(): Array<{ where: string; refusal: SlackRefusal; payload: unknown }>;

  setUserGroup(id: string, users: string[]): void;
  /**
   * Disables (or, with `false`, enables again) a user group, as `usergroups.disable` does: it keeps its
   * members, but `usergroups.users.list` answers `no_such_subteam` for it unless `include_disabled` is set.
   */
  disableUserGroup(id: string, disabled?: boolean): void;
  /** Configures a conversation: its kind, whether the bot is in it, archived, shared, its members. */
  setChannel(id: string, info?: ChannelSetup): void;
  channelInfo(id: string): ChannelInfo | undefined;
  messages(channel: string): SlackMessage[];
  getMessage(channel: string, ts: string): SlackMessage | undefined;
  ephemerals(channel?: string): EphemeralMessage[];
  /** The Home tab last published for `user`. */
  homeView(user: string): SlackView | undefined;
  /** Views opened with views.open / views.push, in order (updates applied). */
  views(): SlackView[];
  /** A view by id (modal or Home tab), as last opened, updated or published. */
  view(id: string): SlackView | undefined;
  /** Modals open now (for one person, or anyone's). */
  openModals(user?: string): SlackView[];
  /** Closes a modal, as the person closing it or an acknowledgement that clears it would. */
  closeView(id: string): void;
  /**
   * Starts a Workflow Builder function execution: returns its id and the token Slack sends with
   * `function_executed`, which alone can complete it, against these output parameters.
   */
  startFunctionExecution(callbackId: string, outputParameters: FunctionParameter[]): FunctionExecution;
  functionExecution(id: string): FunctionExecution | undefined;

  /**
   * A new response_url. With an origin, accepted posts to it also change the channel the way Slack shows
   * them (in_channel, ephemeral, replace_original, delete_original); without one they are only recorded.
   */
  responseUrl(origin?: ResponseOrigin): string;
  /**
   * A new trigger_id, usable once within 3 seconds (by the fake's clock) to open a view; the modal it opens
   * belongs to `user`.
   */
  triggerId(user?: string): string;
  /**
   * Shows a reply at a response_url's origin as Slack would, without counting it as a post to that URL:
   * this is how Slack shows the body of a slash command's acknowledgement. Returns Slack's refusal instead
   * when the body is not a valid message (and shows nothing).
   */
  showResponse(urlOrId: string, body: ResponseBody): SlackRefusal | undefined;
  /** Called after every change people would see; returns a function that unsubscribes. */
  onChange(listener: SlackChangeListener): () => void;
  responses(urlOrId?: string): ResponsePost[];
  waitForResponse(
    urlOrId: string,
    predicate?: (body: ResponseBody) => boolean,
    timeoutMs?: number,
  ): Promise<ResponseBody>;
  failResponseUrl(urlOrId: string, status: number, times?: number): void;

  /** Every raw request body the fake received, Web API and response_url alike, in arrival order. */
  allBodies(): string[];

  close(): Promise<void>;
}

const DEFAULT_BOT_TOKEN = 'xoxb-test-bot-token';
const BOT_USER = 'UBOT';
const BOT_ID = 'BBOT';
const TEAM_ID = 'T0001';
const USER_ID = /^[UW][A-Z0-9]+$/;

/** Scopes each method needs; conversations.* need the one for the kind of conversation. */
const METHOD_SCOPES: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'usergroups.users.list': 'usergroups:read',
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * The WebClient sends every non-scalar argument as a JSON string inside the form; parsing them back lets
 * tests assert on structure. `text` is left alone because message text may legitimately look like JSON.
 */
function parseParams(raw: string, contentType: string, query: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = Object.fromEntries(query);
  if (raw.length === 0) return params;
  if (contentType.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      Object.assign(params, parsed);
    return params;
  }
  for (const [name, value] of new URLSearchParams(raw)) {
    params[name] = value;
    if (name !== 'text' && /^\s*[[{]/.test(value)) {
      try {
        params[name] = JSON.parse(value);
      } catch {
        // Plain text that merely starts with a bracket stays a string; the validator says what Slack would.
      }
    }
  }
  return params;
}

/** A replacement is the whole message: what the new one leaves out is gone, as in Slack. */
function setContent(
  message: { text?: string; blocks?: unknown },
  text: string | undefined,
  blocks: unknown[] | undefined,
): void {
  if (text === undefined) delete message.text;
  else message.text = text;
  if (blocks === undefined) delete message.blocks;
  else message.blocks = blocks;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function ok(body: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: true, ...body } };
}

function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** How Slack words a refused payload: `errors` for chat.*, `response_metadata.messages` for both. */
function refused(refusal: SlackRefusal, method: string): Answer {
  const messages = refusal.details.map((detail) => `[ERROR] ${detail}`);
  return fail(refusal.error, {
    ...(method.startsWith('views.') ? {} : { errors: [...refusal.details] }),
    response_metadata: { messages },
  });
}

class Fake implements FakeSlack {
  url = '';
  apiUrl = '';
  readonly botToken: string;
  readonly calls: SlackCall[] = [];
  validation: boolean;
  readonly clock: Clock;
  private readonly installation: {
    readonly teamId: string;
    readonly enterpriseId: string | undefined;
    readonly enterpriseInstall: boolean;
  };

  private readonly responseUrlLimit: number;
  private readonly responseUrlTtlMs: number;
  private readonly acceptUnissuedResponseUrls: boolean;
  private readonly scopes: ReadonlySet<string> | undefined;
  private limiter: SlackRateLimiter | undefined;
  private readonly bodies: string[] = [];
  private readonly posts: ResponsePost[] = [];
  private readonly userGroups = new Map<string, string[]>();
  private readonly disabledUserGroups = new Set<string>();
  private readonly channels = new SlackChannels();
  private readonly channelMessages = new Map<string, SlackMessage[]>();
  private readonly ephemeralMessages: EphemeralMessage[] = [];
  private readonly methodFaults = new Map<string, Array<{ fault: SlackFault; remaining: number }>>();
  private readonly responseFaults = new Map<string, { status: number; remaining: number }>();
  private readonly responseIssued = new Map<string, number>();
  private readonly responseOrigins = new Map<string, ResponseOrigin>();
  /** The message a response_url's own earlier post created, which a later replace_original replaces. */
  private readonly responseMessages = new Map<
    string,
    { channel: string; ts?: string; ephemeralId?: string }
  >();
  private readonly surfaces: FakeSurfaces;
  private readonly listeners = new Set<SlackChangeListener>();
  private readonly callWaiters = new Waiters<SlackCall>(() => this.calls);
  private readonly postWaiters = new Waiters<ResponsePost>(() => this.posts);
  private tsCounter = 0;
  private responseCounter = 0;
  private closed = false;
  private readonly http = new LoopbackServer(
    createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        sendJson(res, 500, { ok: false, error: `fake_slack_failure: ${String(err)}` });
      });
    }),
  );

  constructor(opts: FakeSlackOptions) {
    this.botToken = opts.botToken ?? DEFAULT_BOT_TOKEN;
    this.responseUrlLimit = opts.responseUrlLimit ?? 5;
    this.responseUrlTtlMs = opts.responseUrlTtlMs ?? 30 * 60_000;
    this.acceptUnissuedResponseUrls = opts.acceptUnissuedResponseUrls ?? false;
    this.validation = opts.validate ?? true;
    this.clock = opts.clock ?? systemClock;
    this.surfaces = new FakeSurfaces(
      (change) => this.emit(change),
      this.clock,
      (method, view) => (this.validation ? validateView(view, method) : undefined),
      opts.triggerTtlMs,
    );
    this.scopes = opts.scopes === undefined ? undefined : new Set(opts.scopes);
    this.installation = {
      teamId: opts.teamId ?? TEAM_ID,
      enterpriseId: opts.enterpriseId,
      enterpriseInstall: opts.enterpriseInstall ?? false,
    };
    this.setRateLimits(opts.rateLimits ?? false);
  }

  async listen(): Promise<void> {
    this.url = await this.http.listen();
    this.apiUrl = `${this.url}/api/`;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  waitForCall(
    method: string,
    predicate: (c: SlackCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SlackCall> {
    return this.callWaiters.wait(
      (c) => c.method === method && predicate(c),
      timeoutMs,
      (seen) =>
        `no matching ${method} call within ${timeoutMs} ms; received: ${
          seen.map((c) => `${c.method} ${JSON.stringify(c.params)}`).join('; ') || 'nothing'
        }`,
    );
  }

  failMethod(method: string, fault: SlackFault, times = 1): void {
    const list = this.methodFaults.get(method) ?? [];
    list.push({ fault, remaining: times });
    this.methodFaults.set(method, list);
  }

  clearFaults(): void {
    this.methodFaults.clear();
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  setRateLimits(settings: SlackRateLimitSettings): void {
    const limits = resolveRateLimits(settings);
    this.limiter = limits === undefined ? undefined : new SlackRateLimiter(limits, this.clock);
  }

  ratelimited(method?: string): number {
    return this.calls.filter((c) => c.ratelimited && (method === undefined || c.method === method)).length;
  }

  payloadRefusals(): Array<{ where: string; refusal: SlackRefusal; payload: unknown }> {
    const out: Array<{ where: string; refusal: SlackRefusal; payload: unknown }> = [];
    for (const call of this.calls) {
      if (call.refusal) out.push({ where: call.method, refusal: call.refusal, payload: call.params });
    }
    for (const post of this.posts) {
      if (post.refusal)
        out.push({ where: `response_url ${post.id}`, refusal: post.refusal, payload: post.body });
    }
    return out;
  }

  setUserGroup(id: string, users: string[]): void {
    this.userGroups.set(id, [...users]);
  }

  disableUserGroup(id: string, disabled = true): void {
    if (disabled) this.disabledUserGroups.add(id);
    else this.disabledUserGroups.delete(id);
  }

  setChannel(id: string, info: ChannelSetup = {}): void {
    this.channels.set(id, info);
  }

  channelInfo(id: string): ChannelInfo | undefined {
    return this.channels.info(id);
  }

  messages(channel: string): SlackMessage[] {
    return (this.channelMessages.get(channel) ?? []).map((m) => ({ ...m }));
  }

  getMessage(channel: string, ts: string): SlackMessage | undefined {
    const m = this.channelMessages.get(channel)?.find((x) => x.ts === ts);
    return m === undefined ? undefined : { ...m };
  }

  ephemerals(channel?: string): EphemeralMessage[] {
    return this.ephemeralMessages
      .filter((e) => channel === undefined || e.channel === channel)
      .map((e) => ({ ...e }));
  }

  homeView(user: string): SlackView | undefined {
    return this.surfaces.homeView(user);
  }

  views(): SlackView[] {
    return this.surfaces.modals();
  }

  view(id: string): SlackView | undefined {
    return this.surfaces.view(id);
  }

  openModals(user?: string): SlackView[] {
    return this.surfaces.openModals(user);
  }

  closeView(id: string): void {
    this.surfaces.closeView(id);
  }

  startFunctionExecution(callbackId: string, outputParameters: FunctionParameter[]): FunctionExecution {
    return this.surfaces.startFunctionExecution(callbackId, outputParameters);
  }

  functionExecution(id: string): FunctionExecution | undefined {
    return this.surfaces.functionExecution(id);
  }

  private nextTs(): string {
    this.tsCounter += 1;
    const micros = this.tsCounter * 100;
    return `${1700000000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private takeMethodFault(method: string): SlackFault | undefined {
    const list = this.methodFaults.get(method);
    const entry = list?.[0];
    if (list === undefined || entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) list.shift();
    return entry.fault;
  }

  private async handleApi(
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    query: URLSearchParams,
  ) {
    let params: Record<string, unknown>;
    let invalidJson = false;
    try {
      params = parseParams(raw, req.headers['content-type'] ?? '', query);
    } catch {
      params = Object.fromEntries(query);
      invalidJson = true;
    }
    const call: SlackCall = {
      method,
      params,
      authorization: req.headers.authorization,
      time: this.clock.now(),
    };
    this.calls.push(call);
    this.callWaiters.notify(call);

    const fault = this.takeMethodFault(method);
    let answer: Answer;
    if (fault !== undefined) {
      call.fault = fault.kind;
      switch (fault.kind) {
        case 'hang':
          return;
        case 'drop':
          req.socket.resetAndDestroy();
          return;
        case 'status':
          answer = { status: fault.status, body: { ok: false, error: 'fatal_error' } };
          break;
        case 'ratelimited':
          answer = {
            status: 429,
            body: { ok: false, error: 'ratelimited' },
            headers: { 'retry-after': String(fault.retryAfterSeconds) },
          };
          break;
        case 'error':
          answer = fail(fault.error);
          break;
      }
    } else if (invalidJson) {
      answer = fail('invalid_json');
    } else {
      answer = this.answer(call, req.headers.authorization);
    }
    call.status = answer.status;
    call.response = answer.body;
    sendJson(res, answer.status, answer.body, answer.headers);
  }

  /** Slack's order: the token, then the rate limits, then the scopes, then the method itself. */
  private answer(call: SlackCall, authorization: string | undefined): Answer {
    const p = call.params;
    const bearer =
      authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
    const token = bearer ?? str(p.token);
    if (token === undefined) return fail('not_authed');
    // A function execution's own token (sent with `function_executed`) authenticates like the bot's.
    if (token !== this.botToken && !this.surfaces.isFunctionToken(token)) return fail('invalid_auth');

    const wait = this.limiter?.take(call.method, this.resolveChannel(call.method, str(p.channel)));
    if (wait !== undefined) {
      call.ratelimited = true;
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(wait) },
      };
    }
    const needed = this.scopeNeeded(call.method, p);
    if (needed !== undefined && this.scopes !== undefined && !this.scopes.has(needed))
      return fail('missing_scope', { needed, provided: [...this.scopes].join(',') });

    const surface = this.surfaces.dispatch(call.method, p, token);
    const answer = surface === undefined ? this.dispatch(call.method, p) : { status: 200, body: surface };
    const error = answer.body.error;
    if (typeof error === 'string' && PAYLOAD_ERRORS.has(error) && call.refusal === undefined) {
      const details = (answer.body.response_metadata as { messages?: string[] } | undefined)?.messages ?? [];
      call.refusal = { error, details: details.map((m) => m.replace(/^\[ERROR\] /, '')) };
    }
    return answer;
  }

  /** A chat.postMessage to a user ID goes to the bot's DM with that person, as in Slack. */
  private resolveChannel(method: string, channel: string | undefined): string | undefined {
    if (channel === undefined || method !== 'chat.postMessage' || !USER_ID.test(channel)) return channel;
    return this.channels.openIm(channel).channel.id;
  }

  private scopeNeeded(method: string, p: Record<string, unknown>): string | undefined {
    if (method === 'conversations.info') {
      const info = this.channels.info(str(p.channel) ?? '');
      if (info?.is_im) return 'im:read';
      if (info?.is_mpim) return 'mpim:read';
      return info?.is_private ? 'groups:read' : 'channels:read';
    }
    if (method === 'conversations.open')
      return (str(p.users) ?? '').includes(',') ? 'mpim:write' : 'im:write';
    return METHOD_SCOPES[method];
  }

  private validated(
    method: 'chat.postMessage' | 'chat.postEphemeral' | 'chat.update',
    p: Record<string, unknown>,
  ) {
    if (!this.validation) {
      if (str(p.text) === undefined && p.blocks === undefined && p.attachments === undefined)
        return refused({ error: 'no_text', details: [] }, method);
      return undefined;
    }
    const refusal = validateMessage(p, method);
    return refusal === undefined ? undefined : refused(refusal, method);
  }

  private dispatch(method: string, p: Record<string, unknown>): Answer {
    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://example.slack.com/',
          team: 'Example',
          user: 'flowbot',
          team_id: this.installation.teamId,
          user_id: BOT_USER,
          bot_id: BOT_ID,
          ...(this.installation.enterpriseId ? { enterprise_id: this.installation.enterpriseId } : {}),
          is_enterprise_install: this.installation.enterpriseInstall,
        });
      case 'usergroups.users.list': {
        const id = str(p.usergroup);
        if (id === undefined) return fail('invalid_arguments');
        // https://api.slack.com/methods/usergroups.users.list: `no_such_subteam`, "no usergroup found with the
        // given ID", for an unknown ID, and for a disabled group unless `include_disabled` allows it.
        const users = this.userGroups.get(id);
        const disabledShown =
          p.include_disabled === true || p.include_disabled === 'true' || p.include_disabled === '1';
        if (users === undefined || (this.disabledUserGroups.has(id) && !disabledShown))
          return fail('no_such_subteam');
        return ok({ users: [...users] });
      }
      case 'chat.postMessage':
        return this.postMessage(p);
      case 'chat.update':
        return this.update(p);
      case 'chat.delete': {
        const channel = str(p.channel) ?? '';
        const ts = str(p.ts);
        const problem = this.channels.refusal(channel, 'update');
        if (problem !== undefined) return fail(problem);
        const list = this.channelMessages.get(channel);
        const index = list?.findIndex((m) => m.ts === ts) ?? -1;
        if (list === undefined || index === -1 || ts === undefined) return fail('message_not_found');
        list.splice(index, 1);
        this.emit({ type: 'message_deleted', channel, ts });
        return ok({ channel, ts });
      }
      case 'chat.postEphemeral':
        return this.postEphemeral(p);
      case 'conversations.info': {
        const info = this.channels.info(str(p.channel) ?? '');
        return info === undefined ? fail('channel_not_found') : ok({ channel: info });
      }
      case 'conversations.open': {
        const users = (str(p.users) ?? '').split(',').filter(Boolean);
        if (users.length === 0) return fail('users_list_not_supplied');
        if (users.some((u) => !USER_ID.test(u))) return fail('user_not_found');
        if (users.length > 8) return fail('too_many_users');
        if (users.length === 1) {
          const { channel, alreadyOpen } = this.channels.openIm(users[0] as string);
          const full = p.return_im === true || p.return_im === 'true';
          return ok({
            channel: full ? channel : { id: channel.id },
            ...(alreadyOpen ? { already_open: true, no_op: true } : {}),
          });
        }
        return ok({ channel: { id: this.channels.openMpim(users).id } });
      }
      default:
        return fail('unknown_method');
    }
  }

  private postMessage(p: Record<string, unknown>): Answer {
    const channel = this.resolveChannel('chat.postMessage', str(p.channel));
    if (channel === undefined) return fail('channel_not_found');
    const problem = this.channels.refusal(channel, 'post');
    if (problem !== undefined) return fail(problem);
    const invalid = this.validated('chat.postMessage', p);
    if (invalid) return invalid;
    const message: SlackMessage = { type: 'message', ts: this.nextTs(), user: BOT_USER, bot_id: BOT_ID };
    for (const field of ['text', 'blocks', 'attachments', 'metadata', 'thread_ts'] as const) {
      if (p[field] !== undefined) Object.assign(message, { [field]: p[field] });
    }
    const list = this.channelMessages.get(channel) ?? [];
    list.push(message);
    this.channelMessages.set(channel, list);
    this.emit({ type: 'message_posted', channel, message: { ...message } });
    return ok({ channel, ts: message.ts, message: { ...message } });
  }

  private update(p: Record<string, unknown>): Answer {
    const channel = str(p.channel);
    const ts = str(p.ts);
    if (channel === undefined) return fail('channel_not_found');
    const problem = this.channels.refusal(channel, 'update');
    if (problem !== undefined) return fail(problem);
    const message =
      ts === undefined ? undefined : this.channelMessages.get(channel)?.find((m) => m.ts === ts);
    if (message === undefined) return fail('message_not_found');
    if (message.user !== BOT_USER) return fail('cant_update_message');
    const invalid = this.validated('chat.update', p);
    if (invalid) return invalid;
    for (const field of ['text', 'blocks', 'attachments', 'metadata'] as const) {
      if (p[field] !== undefined) Object.assign(message, { [field]: p[field] });
    }
    message.edited = { user: BOT_USER, ts: this.nextTs() };
    this.emit({ type: 'message_updated', channel, message: { ...message } });
    return ok({ channel, ts, text: message.text ?? '', message: { ...message } });
  }

  private postEphemeral(p: Record<string, unknown>): Answer {
    const channel = str(p.channel);
    const user = str(p.user);
    if (channel === undefined) return fail('channel_not_found');
    if (user === undefined || !USER_ID.test(user)) return fail('user_not_found');
    const problem = this.channels.refusal(channel, 'ephemeral', user);
    if (problem !== undefined) return fail(problem);
    const invalid = this.validated('chat.postEphemeral', p);
    if (invalid) return invalid;
    const eph: EphemeralMessage = { channel, user, message_ts: this.nextTs() };
    if (typeof p.text === 'string') eph.text = p.text;
    if (p.blocks !== undefined) eph.blocks = p.blocks;
    if (typeof p.thread_ts === 'string') eph.thread_ts = p.thread_ts;
    this.ephemeralMessages.push(eph);
    this.emit({ type: 'ephemeral_posted', ephemeral: { ...eph } });
    return ok({ message_ts: eph.message_ts });
  }

  responseUrl(origin?: ResponseOrigin): string {
    this.responseCounter += 1;
    const id = `r${this.responseCounter}`;
    this.responseIssued.set(id, this.clock.now());
    if (origin !== undefined) this.responseOrigins.set(id, { ...origin });
    return `${this.url}/respond/${id}`;
  }

  triggerId(user?: string): string {
    return this.surfaces.triggerId(user);
  }

  showResponse(urlOrId: string, body: ResponseBody): SlackRefusal | undefined {
    const refusal = this.validation ? validateMessage(body, 'response_url') : undefined;
    if (refusal === undefined) this.applyResponse(this.idOf(urlOrId), body);
    return refusal;
  }

  onChange(listener: SlackChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(change: SlackChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A failing listener must not change what the fake answers Flowbot.
      }
    }
  }

  /**
   * Slack's rules for a response_url post: delete_original and replace_original act on the message the URL
   * belongs to (for a slash command, the URL's own earlier reply); otherwise in_channel posts a new channel
   * message and anything else an ephemeral one for the person who acted, in the same thread.
   */
  private applyResponse(id: string, body: ResponseBody): void {
    const origin = this.responseOrigins.get(id);
    if (origin === undefined) return;
    const own = this.responseMessages.get(id);
    const target =
      origin.ts !== undefined || origin.ephemeralId !== undefined
        ? { channel: origin.channel, ts: origin.ts, ephemeralId: origin.ephemeralId }
        : own;
    if (body.delete_original === true) {
      if (target !== undefined) this.deleteShown(target);
      return;
    }
    const text = typeof body.text === 'string' ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    const attachments = Array.isArray(body.attachments) ? body.attachments : undefined;
    if (
      body.replace_original === true &&
      target !== undefined &&
      this.replaceShown(target, text, blocks, attachments)
    )
      return;
    const thread = this.threadOf(origin);
    if (body.response_type === 'in_channel') {
      const message: SlackMessage = { type: 'message', ts: this.nextTs(), user: BOT_USER, bot_id: BOT_ID };
      if (text !== undefined) message.text = text;
      if (blocks !== undefined) message.blocks = blocks;
      if (attachments !== undefined) message.attachments = attachments;
      if (thread !== undefined) message.thread_ts = thread;
      const list = this.channelMessages.get(origin.channel) ?? [];
      list.push(message);
      this.channelMessages.set(origin.channel, list);
      this.responseMessages.set(id, { channel: origin.channel, ts: message.ts });
      this.emit({ type: 'message_posted', channel: origin.channel, message: { ...message } });
      return;
    }
    const eph: EphemeralMessage = { channel: origin.channel, user: origin.user, message_ts: this.nextTs() };
    if (text !== undefined) eph.text = text;
    if (blocks !== undefined) eph.blocks = blocks;
    if (thread !== undefined) eph.thread_ts = thread;
    this.ephemeralMessages.push(eph);
    this.responseMessages.set(id, { channel: origin.channel, ephemeralId: eph.message_ts });
    this.emit({ type: 'ephemeral_posted', ephemeral: { ...eph } });
  }

  private threadOf(origin: ResponseOrigin): string | undefined {
    if (origin.ephemeralId !== undefined)
      return this.ephemeralMessages.find((e) => e.message_ts === origin.ephemeralId)?.thread_ts;
    if (origin.ts !== undefined)
      return this.channelMessages.get(origin.channel)?.find((m) => m.ts === origin.ts)?.thread_ts;
    return undefined;
  }

  private replaceShown(
    target: { channel: string; ts?: string; ephemeralId?: string },
    text: string | undefined,
    blocks: unknown[] | undefined,
    attachments?: unknown[],
  ): boolean {
    if (target.ephemeralId !== undefined) {
      const eph = this.ephemeralMessages.find((e) => e.message_ts === target.ephemeralId);
      if (eph === undefined) return false;
      setContent(eph, text, blocks);
      this.emit({ type: 'ephemeral_updated', ephemeral: { ...eph } });
      return true;
    }
    const message = this.channelMessages.get(target.channel)?.find((m) => m.ts === target.ts);
    if (message === undefined) return false;
    setContent(message, text, blocks);
    // The replacement is the whole message: attachments it carries replace the old ones, none removes them.
    if (attachments === undefined) delete message.attachments;
    else message.attachments = attachments;
    this.emit({ type: 'message_updated', channel: target.channel, message: { ...message } });
    return true;
  }

  private deleteShown(target: { channel: string; ts?: string; ephemeralId?: string }): void {
    if (target.ephemeralId !== undefined) {
      const at = this.ephemeralMessages.findIndex((e) => e.message_ts === target.ephemeralId);
      const [eph] = at === -1 ? [] : this.ephemeralMessages.splice(at, 1);
      if (eph !== undefined)
        this.emit({
          type: 'ephemeral_deleted',
          channel: eph.channel,
          user: eph.user,
          message_ts: eph.message_ts,
        });
      return;
    }
    const list = this.channelMessages.get(target.channel);
    const at = list?.findIndex((m) => m.ts === target.ts) ?? -1;
    if (list === undefined || at === -1 || target.ts === undefined) return;
    list.splice(at, 1);
    this.emit({ type: 'message_deleted', channel: target.channel, ts: target.ts });
  }

  private idOf(urlOrId: string): string {
    const at = urlOrId.lastIndexOf('/respond/');
    return at === -1 ? urlOrId : urlOrId.slice(at + '/respond/'.length);
  }

  responses(urlOrId?: string): ResponsePost[] {
    const id = urlOrId === undefined ? undefined : this.idOf(urlOrId);
    return this.posts.filter((p) => id === undefined || p.id === id);
  }

  waitForResponse(
    urlOrId: string,
    predicate: (body: ResponseBody) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ResponseBody> {
    const id = this.idOf(urlOrId);
    return this.postWaiters
      .wait(
        (p) => p.id === id && p.status < 300 && predicate(p.body),
        timeoutMs,
        (seen) => {
          const mine = seen.filter((p) => p.id === id);
          const others = seen.length - mine.length;
          return `no matching response_url post to ${id} within ${timeoutMs} ms; ${id} received: ${
            mine.map((p) => `[${p.status}${p.error ? ` ${p.error}` : ''}] ${p.rawBody}`).join('; ') ||
            'nothing'
          }${others > 0 ? ` (plus ${others} post(s) to other response_urls)` : ''}`;
        },
      )
      .then((p) => p.body);
  }

  failResponseUrl(urlOrId: string, status: number, times = 1): void {
    this.responseFaults.set(this.idOf(urlOrId), { status, remaining: times });
  }

  /**
   * A response_url post, answered as Slack answers: 404 for a URL it never issued (`no_service`), used five
   * times (`used_url`) or older than 30 minutes (`expired_url`); 400 with the bare error code for a body it
   * cannot show (`invalid_payload` for non-JSON, then what the Block Kit validator says); `{"ok":true}`.
   */
  private handleRespond(id: string, req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: ResponseBody;
    let json = true;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        body = parsed as ResponseBody;
      else {
        body = { text: raw };
        json = false;
      }
    } catch {
      body = { text: raw };
      json = false;
    }
    const post: ResponsePost = { id, body, rawBody: raw, status: 200, time: this.clock.now() };
    const fault = this.responseFaults.get(id);
    if (this.acceptUnissuedResponseUrls && !this.responseIssued.has(id))
      this.responseIssued.set(id, this.clock.now());
    const issued = this.responseIssued.get(id);
    const accepted = this.posts.filter((p) => p.id === id && p.status < 300).length;
    const answer: { json: Record<string, unknown>; text?: string } = { json: { ok: true } };
    const refuse = (status: number, error: string, asText = false) => {
      post.status = status;
      post.error = error;
      if (asText) answer.text = error;
      else answer.json = { ok: false, error };
    };
    if (req.method !== 'POST') refuse(405, 'method_not_allowed');
    else if (fault !== undefined && fault.remaining > 0) {
      fault.remaining -= 1;
      refuse(fault.status, 'fault_injected');
    } else if (issued === undefined) refuse(404, 'no_service', true);
    else if (this.responseUrlTtlMs > 0 && this.clock.now() - issued > this.responseUrlTtlMs)
      refuse(404, 'expired_url');
    else if (this.responseUrlLimit > 0 && accepted >= this.responseUrlLimit) refuse(404, 'used_url');
    else if (this.validation && !json) {
      post.refusal = { error: 'invalid_payload', details: ['the body is not a JSON object'] };
      refuse(400, 'invalid_payload', true);
    } else if (this.validation) {
      const refusal = validateMessage(body, 'response_url');
      if (refusal !== undefined) {
        post.refusal = refusal;
        refuse(400, refusal.error, true);
      }
    }
    this.posts.push(post);
    if (post.status < 300) this.applyResponse(id, body);
    this.postWaiters.notify(post);
    this.emit({ type: 'response_posted', post });
    if (answer.text !== undefined) sendText(res, post.status, answer.text);
    else sendJson(res, post.status, answer.json);
  }

  allBodies(): string[] {
    return [...this.bodies];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    this.bodies.push(raw);
    const target = new URL(req.url ?? '/', this.url);
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(target.pathname);
    if (api?.[1] !== undefined) return this.handleApi(api[1], req, res, raw, target.searchParams);
    const respond = /^\/respond\/([^/]+)$/.exec(target.pathname);
    if (respond?.[1] !== undefined) return this.handleRespond(respond[1], req, res, raw);
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.callWaiters.rejectAll('fake Slack closed');
    this.postWaiters.rejectAll('fake Slack closed');
    this.listeners.clear();
    await this.http.close();
  }
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new Fake(opts);
  await fake.listen();
  return fake;
}
