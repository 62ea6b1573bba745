import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackServer, readBody } from './loopback-server.js';
import { Waiters } from './waiters.js';

/**
 * A local stand-in for Slack's Web API (point the bot's WebClient at `${url}/api/`) and for the
 * response_url endpoints that Bolt's respond() posts to.
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
  time: number;
  fault?: SlackFault['kind'];
  /** The JSON answered, once answered (not for hang/drop/status faults). */
  response?: Record<string, unknown>;
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
}

export interface ChannelInfo {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_private: boolean;
  is_member: boolean;
  is_archived: boolean;
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
  | { type: 'response_posted'; post: ResponsePost };

export type SlackChangeListener = (change: SlackChange) => void;

export interface FakeSlackOptions {
  botToken?: string;
  /** Posts accepted per response_url before it answers 404 used_url (Slack allows 5). 0 = unlimited. */
  responseUrlLimit?: number;
}

export interface FakeSlack {
  /** Base URL without a trailing slash; the Web API lives at `${url}/api/`. */
  readonly url: string;
  readonly apiUrl: string;
  readonly botToken: string;
  readonly calls: SlackCall[];

  callsTo(method: string): SlackCall[];
  waitForCall(method: string, predicate?: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  failMethod(method: string, fault: SlackFault, times?: number): void;
  clearCalls(): void;

  setUserGroup(id: string, users: string[]): void;
  setChannel(id: string, info?: Partial<ChannelInfo>): void;
  messages(channel: string): SlackMessage[];
  getMessage(channel: string, ts: string): SlackMessage | undefined;
  ephemerals(channel?: string): EphemeralMessage[];

  /**
   * A new response_url. With an origin, accepted posts to it also change the channel the way Slack shows
   * them (in_channel, ephemeral, replace_original, delete_original); without one they are only recorded.
   */
  responseUrl(origin?: ResponseOrigin): string;
  /**
   * Shows a reply at a response_url's origin as Slack would, without counting it as a post to that URL:
   * this is how Slack shows the body of a slash command's acknowledgement.
   */
  showResponse(urlOrId: string, body: ResponseBody): void;
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
        // Plain text that merely starts with a bracket stays a string.
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

class Fake implements FakeSlack {
  url = '';
  apiUrl = '';
  readonly botToken: string;
  readonly calls: SlackCall[] = [];

  private readonly responseUrlLimit: number;
  private readonly bodies: string[] = [];
  private readonly posts: ResponsePost[] = [];
  private readonly userGroups = new Map<string, string[]>();
  private readonly channels = new Map<string, Partial<ChannelInfo>>();
  private readonly channelMessages = new Map<string, SlackMessage[]>();
  private readonly ephemeralMessages: EphemeralMessage[] = [];
  private readonly methodFaults = new Map<string, Array<{ fault: SlackFault; remaining: number }>>();
  private readonly responseFaults = new Map<string, { status: number; remaining: number }>();
  private readonly responseOrigins = new Map<string, ResponseOrigin>();
  /** The message a response_url's own earlier post created, which a later replace_original replaces. */
  private readonly responseMessages = new Map<
    string,
    { channel: string; ts?: string; ephemeralId?: string }
  >();
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
    timeoutMs = 5000,
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

  clearCalls(): void {
    this.calls.length = 0;
  }

  setUserGroup(id: string, users: string[]): void {
    this.userGroups.set(id, [...users]);
  }

  setChannel(id: string, info: Partial<ChannelInfo> = {}): void {
    this.channels.set(id, info);
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
    const call: SlackCall = { method, params, authorization: req.headers.authorization, time: Date.now() };
    this.calls.push(call);
    this.callWaiters.notify(call);

    const fault = this.takeMethodFault(method);
    if (fault !== undefined) {
      call.fault = fault.kind;
      switch (fault.kind) {
        case 'hang':
          return;
        case 'drop':
          req.socket.resetAndDestroy();
          return;
        case 'status':
          sendJson(res, fault.status, { ok: false, error: 'fatal_error' });
          return;
        case 'ratelimited':
          sendJson(
            res,
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(fault.retryAfterSeconds) },
          );
          return;
        case 'error':
          call.response = { ok: false, error: fault.error };
          sendJson(res, 200, call.response);
          return;
      }
    }
    call.response = invalidJson
      ? { ok: false, error: 'invalid_json' }
      : this.dispatch(method, params, req.headers.authorization);
    sendJson(res, 200, call.response);
  }

  private dispatch(
    method: string,
    p: Record<string, unknown>,
    authorization: string | undefined,
  ): Record<string, unknown> {
    const bearer =
      authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
    const token = bearer ?? str(p.token);
    if (token === undefined) return { ok: false, error: 'not_authed' };
    if (token !== this.botToken) return { ok: false, error: 'invalid_auth' };

    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://example.slack.com/',
          team: 'Example',
          user: 'flowbot',
          team_id: TEAM_ID,
          user_id: BOT_USER,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        };
      case 'usergroups.users.list': {
        const id = str(p.usergroup);
        if (id === undefined) return { ok: false, error: 'invalid_arguments' };
        const users = this.userGroups.get(id);
        return users === undefined
          ? { ok: false, error: 'no_such_subteam' }
          : { ok: true, users: [...users] };
      }
      case 'chat.postMessage': {
        const channel = str(p.channel);
        if (channel === undefined) return { ok: false, error: 'channel_not_found' };
        if (str(p.text) === undefined && p.blocks === undefined && p.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        const message: SlackMessage = { type: 'message', ts: this.nextTs(), user: BOT_USER, bot_id: BOT_ID };
        for (const field of ['text', 'blocks', 'attachments', 'metadata', 'thread_ts'] as const) {
          if (p[field] !== undefined) Object.assign(message, { [field]: p[field] });
        }
        const list = this.channelMessages.get(channel) ?? [];
        list.push(message);
        this.channelMessages.set(channel, list);
        this.emit({ type: 'message_posted', channel, message: { ...message } });
        return { ok: true, channel, ts: message.ts, message: { ...message } };
      }
      case 'chat.update': {
        const channel = str(p.channel);
        const ts = str(p.ts);
        const message =
          channel === undefined || ts === undefined
            ? undefined
            : this.channelMessages.get(channel)?.find((m) => m.ts === ts);
        if (message === undefined) return { ok: false, error: 'message_not_found' };
        for (const field of ['text', 'blocks', 'attachments', 'metadata'] as const) {
          if (p[field] !== undefined) Object.assign(message, { [field]: p[field] });
        }
        message.edited = { user: BOT_USER, ts: this.nextTs() };
        this.emit({ type: 'message_updated', channel: channel as string, message: { ...message } });
        return { ok: true, channel, ts, text: message.text ?? '', message: { ...message } };
      }
      case 'chat.postEphemeral': {
        const channel = str(p.channel);
        const user = str(p.user);
        if (channel === undefined) return { ok: false, error: 'channel_not_found' };
        if (user === undefined) return { ok: false, error: 'user_not_found' };
        if (str(p.text) === undefined && p.blocks === undefined && p.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        const eph: EphemeralMessage = { channel, user, message_ts: this.nextTs() };
        if (typeof p.text === 'string') eph.text = p.text;
        if (p.blocks !== undefined) eph.blocks = p.blocks;
        if (typeof p.thread_ts === 'string') eph.thread_ts = p.thread_ts;
        this.ephemeralMessages.push(eph);
        this.emit({ type: 'ephemeral_posted', ephemeral: { ...eph } });
        return { ok: true, message_ts: eph.message_ts };
      }
      case 'conversations.info': {
        const id = str(p.channel);
        if (id === undefined) return { ok: false, error: 'channel_not_found' };
        const isIm = id.startsWith('D');
        const isPrivate = id.startsWith('G') || isIm;
        const channel: ChannelInfo = {
          id,
          name: id.toLowerCase(),
          is_channel: !isPrivate,
          is_group: id.startsWith('G'),
          is_im: isIm,
          is_private: isPrivate,
          is_member: true,
          is_archived: false,
          ...this.channels.get(id),
        };
        return { ok: true, channel };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  responseUrl(origin?: ResponseOrigin): string {
    this.responseCounter += 1;
    const id = `r${this.responseCounter}`;
    if (origin !== undefined) this.responseOrigins.set(id, { ...origin });
    return `${this.url}/respond/${id}`;
  }

  showResponse(urlOrId: string, body: ResponseBody): void {
    this.applyResponse(this.idOf(urlOrId), body);
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
    if (body.replace_original === true && target !== undefined && this.replaceShown(target, text, blocks))
      return;
    const thread = this.threadOf(origin);
    if (body.response_type === 'in_channel') {
      const message: SlackMessage = { type: 'message', ts: this.nextTs(), user: BOT_USER, bot_id: BOT_ID };
      if (text !== undefined) message.text = text;
      if (blocks !== undefined) message.blocks = blocks;
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
    delete message.attachments;
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
    timeoutMs = 5000,
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
            mine.map((p) => `[${p.status}] ${p.rawBody}`).join('; ') || 'nothing'
          }${others > 0 ? ` (plus ${others} post(s) to other response_urls)` : ''}`;
        },
      )
      .then((p) => p.body);
  }

  failResponseUrl(urlOrId: string, status: number, times = 1): void {
    this.responseFaults.set(this.idOf(urlOrId), { status, remaining: times });
  }

  private handleRespond(id: string, req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: ResponseBody;
    try {
      const parsed: unknown = JSON.parse(raw);
      body = parsed !== null && typeof parsed === 'object' ? (parsed as ResponseBody) : { text: raw };
    } catch {
      body = { text: raw };
    }
    let status = 200;
    let answer: Record<string, unknown> = { ok: true };
    const fault = this.responseFaults.get(id);
    const accepted = this.posts.filter((p) => p.id === id && p.status < 300).length;
    if (req.method !== 'POST') {
      status = 405;
      answer = { ok: false, error: 'method_not_allowed' };
    } else if (fault !== undefined && fault.remaining > 0) {
      fault.remaining -= 1;
      status = fault.status;
      answer = { ok: false, error: 'fault_injected' };
    } else if (this.responseUrlLimit > 0 && accepted >= this.responseUrlLimit) {
      status = 404;
      answer = { ok: false, error: 'used_url' };
    }
    const post: ResponsePost = { id, body, rawBody: raw, status, time: Date.now() };
    this.posts.push(post);
    if (status < 300) this.applyResponse(id, body);
    this.postWaiters.notify(post);
    this.emit({ type: 'response_posted', post });
    sendJson(res, status, answer);
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
