import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FakeSlack, SlackView } from '../stand-ins/fake-slack.js';
import { emojiImages } from './emoji-images.js';
import type { KeySource } from './key-panel.js';
import type { SlackDoor } from './slack-door.js';
import type { Timeline } from './timeline.js';
import type { FormEntry, PageConfig, PageView, PanelState, ViewsState } from './web/protocol.js';
import { CHANNEL, ONCALL_GROUP, PEOPLE, personById, userNames } from './workspace.js';

export interface SandboxServerDeps {
  readonly slack: FakeSlack;
  readonly timeline: Timeline;
  readonly door: SlackDoor;
  readonly keys: KeySource;
  readonly mode: 'emulator' | 'qstash';
  readonly qstashUrl: string;
  readonly flowbotUrl: string;
  readonly alertsToken: string;
  /** Makes `count` paused keys for a storm and returns their names (the emulator only). */
  readonly stormKeys?: (count: number) => string[];
}

export interface SandboxServer {
  readonly url: string;
  close(): Promise<void>;
}

const WEB = fileURLToPath(new URL('./web/', import.meta.url));
const MAX_BODY_BYTES = 64 * 1024;
const KNOWN_COMMANDS = new Set(['/flow', '/flow-resume']);
/** Keys in the sandbox's storm: past ALERTS_ROLLUP_AFTER, so the roll-up shows, and a second page in Show all. */
const STORM_KEYS = 40;

async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [`${WEB}client/app.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('the page script did not build');
  return output.text;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(
          parsed && typeof parsed === 'object' && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : undefined,
        );
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

/**
 * A page on another site that gets its name to resolve to this machine must not reach the sandbox: the Host
 * header has to name this server, unless it was deliberately bound to every interface.
 */
function knownHost(req: IncomingMessage, bound: string, port: number): boolean {
  if (bound === '0.0.0.0' || bound === '::') return true;
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bound.includes(':') ? `[${bound}]` : bound]);
  return [...names].some((name) => req.headers.host === `${name}:${port}`);
}

/**
 * Only the page itself may act: posts must be JSON (which a form on another site cannot send without asking
 * first) and, when the browser says where they come from, come from this server.
 */
function fromThePage(req: IncomingMessage): boolean {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

function path(value: unknown): { block: number; element: number | 'accessory' } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { block, element } = value as { block?: unknown; element?: unknown };
  const index = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 100;
  if (!index(block)) return undefined;
  if (element !== 'accessory' && !index(element)) return undefined;
  return { block: block as number, element: element as number | 'accessory' };
}

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;

/** Flowbot's shortcuts, as the manifest declares them. */
const SHORTCUT = { global: 'flow_control', message: 'flow_message_action' } as const;

function pageView(view: SlackView): PageView {
  const label = (value: unknown) =>
    value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string'
      ? (value as { text: string }).text
      : undefined;
  return {
    id: view.id,
    type: view.type,
    user: view.user,
    ...(label(view.title) ? { title: label(view.title) } : {}),
    ...(label(view.submit) ? { submit: label(view.submit) } : {}),
    ...(label(view.close) ? { close: label(view.close) } : {}),
    blocks: view.blocks,
    hash: view.hash,
  };
}

/** The page's form, as it posts it: only small, well-formed entries keyed by block_id are taken. */
function form(value: unknown): Record<string, FormEntry> {
  const entries: Record<string, FormEntry> = {};
  if (!value || typeof value !== 'object') return entries;
  for (const [blockId, raw] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
    if (!raw || typeof raw !== 'object' || blockId.length > 255) continue;
    const { value: typed, option, conversation } = raw as Record<string, unknown>;
    const chosen =
      option && typeof option === 'object' && typeof (option as { value?: unknown }).value === 'string'
        ? {
            text: String((option as { text?: unknown }).text ?? '').slice(0, 200),
            value: (option as { value: string }).value.slice(0, 300),
          }
        : undefined;
    entries[blockId] = {
      ...(typeof typed === 'string' ? { value: typed.slice(0, 4_000) } : {}),
      ...(chosen ? { option: chosen } : {}),
      ...(typeof conversation === 'string' ? { conversation: conversation.slice(0, 40) } : {}),
    };
  }
  return entries;
}

/** The sandbox's web server: the page, its live feed (Server-Sent Events), and the page's actions. */
export async function startSandboxServer(
  deps: SandboxServerDeps,
  listen: { port: number; host: string },
): Promise<SandboxServer> {
  const script = await bundleClient();
  const emoji = emojiImages();
  const config: PageConfig = {
    mode: deps.mode,
    qstashUrl: deps.qstashUrl,
    channel: { id: CHANNEL.id, name: CHANNEL.name },
    people: PEOPLE.map((person) => ({ ...person })),
    users: userNames(),
    groups: { [ONCALL_GROUP.id]: ONCALL_GROUP.handle },
  };
  const streams = new Set<ServerResponse>();
  const viewsState = (): ViewsState => {
    const homes: Record<string, PageView> = {};
    const messages: Record<string, { ts: string; text?: string; blocks?: unknown[] }[]> = {};
    for (const person of PEOPLE) {
      const home = deps.slack.homeView(person.id);
      if (home) homes[person.id] = pageView(home);
      messages[person.id] = deps.slack.messages(person.id).map((message) => ({
        ts: message.ts,
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(Array.isArray(message.blocks) ? { blocks: message.blocks } : {}),
      }));
    }
    return { homes, modals: deps.slack.openModals().map(pageView), messages };
  };
  let panel: PanelState = { keys: [], checkedAt: 0 };
  let panelJson = '';

  const broadcast = (event: string, data: string) => {
    for (const stream of streams) stream.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  const timelineJson = () => JSON.stringify(deps.timeline.items());

  // Bursts of changes (a click often updates a message and posts two more) go out as one update.
  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = deps.timeline.onChange(() => {
    pending ??= setTimeout(() => {
      pending = undefined;
      broadcast('timeline', timelineJson());
    }, 20);
  });

  let viewsPending: NodeJS.Timeout | undefined;
  const unsubscribeViews = deps.slack.onChange((change) => {
    const private_ =
      (change.type === 'message_posted' || change.type === 'message_updated') &&
      change.channel !== CHANNEL.id;
    if (!change.type.startsWith('view_') && !private_) return;
    viewsPending ??= setTimeout(() => {
      viewsPending = undefined;
      broadcast('views', JSON.stringify(viewsState()));
    }, 20);
  });

  let reading = false;
  const refreshKeys = async () => {
    if (reading) return;
    reading = true;
    try {
      panel = await deps.keys.read();
      const json = JSON.stringify(panel);
      if (json !== panelJson) {
        panelJson = json;
        broadcast('keys', json);
      }
    } finally {
      reading = false;
    }
  };
  await refreshKeys();
  const poller = setInterval(() => void refreshKeys(), deps.keys.intervalMs);
  poller.unref();
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    'GET /': async (_req, res) =>
      send(res, 200, 'text/html; charset=utf-8', await readFile(`${WEB}index.html`, 'utf8')),
    'GET /style.css': async (_req, res) =>
      send(res, 200, 'text/css; charset=utf-8', await readFile(`${WEB}style.css`, 'utf8')),
    'GET /app.js': async (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', script),
    'GET /emoji': async (req, res) => {
      const id = /^\/emoji\/([^/]+)\.svg$/.exec(
        new URL(req.url ?? '/', 'http://sandbox.invalid').pathname,
      )?.[1];
      const svg = id === undefined ? undefined : await emoji.svg(id);
      if (svg === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'no such emoji');
      send(res, 200, 'image/svg+xml', svg);
    },
    'GET /api/state': async (_req, res) =>
      sendJson(res, 200, { config, timeline: deps.timeline.items(), keys: panel, views: viewsState() }),
    'GET /events': async (req, res) => {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`event: config\ndata: ${JSON.stringify(config)}\n\n`);
      res.write(`event: timeline\ndata: ${timelineJson()}\n\n`);
      res.write(`event: keys\ndata: ${JSON.stringify(panel)}\n\n`);
      res.write(`event: views\ndata: ${JSON.stringify(viewsState())}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
    },
    'POST /api/command': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const typed = text(body?.text, 4_000);
      if (!person || typed === undefined)
        return sendJson(res, 400, { ok: false, problem: 'user and text are required' });
      if (!typed.startsWith('/')) {
        deps.timeline.addChat(person.id, typed);
        return sendJson(res, 200, { ok: true });
      }
      const space = typed.search(/\s/);
      const command = space === -1 ? typed : typed.slice(0, space);
      const args = space === -1 ? '' : typed.slice(space + 1).trim();
      deps.timeline.addCommand(person.id, typed);
      if (!KNOWN_COMMANDS.has(command)) {
        deps.timeline.addNotice(
          person.id,
          `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands. Flowbot's are \`/flow\` and \`/flow-resume\`.`,
        );
        return sendJson(res, 200, { ok: false, problem: 'unknown command' });
      }
      const result = await deps.door.command(person, command, args);
      if (!result.ok) deps.timeline.addNotice(person.id, result.problem);
      return sendJson(res, 200, result);
    },
    'POST /api/click': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const at = path(body?.path);
      const ts = typeof body?.ts === 'string' ? body.ts : undefined;
      if (!person || !at || ts === undefined)
        return sendJson(res, 400, { ok: false, problem: 'user, ts and path are required' });
      let where: Parameters<SlackDoor['click']>[1] | undefined;
      if (body?.kind === 'ephemeral') {
        // Only the person an ephemeral message was shown to can click its buttons.
        const ephemeral = deps.slack
          .ephemerals(CHANNEL.id)
          .find((item) => item.message_ts === ts && item.user === person.id);
        if (ephemeral) where = { ephemeral };
      } else {
        const message = deps.slack.getMessage(CHANNEL.id, ts);
        if (message) where = { message };
      }
      if (!where) return sendJson(res, 404, { ok: false, problem: 'no such message' });
      const result = await deps.door.click(person, where, at);
      if (!result.ok) deps.timeline.addNotice(person.id, result.problem);
      return sendJson(res, 200, result);
    },
    'POST /api/home': async (req, res) => {
      const person = personById((await readJson(req))?.user);
      if (!person) return sendJson(res, 400, { ok: false, problem: 'user is required' });
      return sendJson(res, 200, await deps.door.homeOpened(person));
    },
    'POST /api/view-click': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const at = path(body?.path);
      const view = typeof body?.view === 'string' ? deps.slack.view(body.view) : undefined;
      // Only the person a view belongs to can click in it.
      if (!person || !at || !view || view.user !== person.id || view.closed)
        return sendJson(res, 404, { ok: false, problem: 'no such view' });
      return sendJson(res, 200, await deps.door.viewClick(person, view, at));
    },
    'POST /api/shortcut': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      if (!person) return sendJson(res, 400, { ok: false, problem: 'user is required' });
      if (typeof body?.ts === 'string') {
        const message = deps.slack.getMessage(CHANNEL.id, body.ts);
        if (!message) return sendJson(res, 404, { ok: false, problem: 'no such message' });
        return sendJson(res, 200, await deps.door.messageShortcut(person, SHORTCUT.message, message));
      }
      return sendJson(res, 200, await deps.door.shortcut(person, SHORTCUT.global));
    },
    'POST /api/options': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const view = typeof body?.view === 'string' ? deps.slack.view(body.view) : undefined;
      const blockId = text(body?.blockId, 255);
      if (!person || !view || view.user !== person.id || blockId === undefined)
        return sendJson(res, 404, { ok: false, problem: 'no such view' });
      const typed = typeof body?.value === 'string' ? body.value.slice(0, 300) : '';
      return sendJson(
        res,
        200,
        await deps.door.suggest(person, view, blockId, text(body?.actionId, 255) ?? blockId, typed),
      );
    },
    'POST /api/view-select': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const view = typeof body?.view === 'string' ? deps.slack.view(body.view) : undefined;
      const blockId = text(body?.blockId, 255);
      const chosen = form({ chosen: { option: body?.option } }).chosen?.option;
      if (!person || !view || view.user !== person.id || blockId === undefined || !chosen)
        return sendJson(res, 404, { ok: false, problem: 'no such view' });
      const actionId = text(body?.actionId, 255) ?? blockId;
      const option = { text: { type: 'plain_text' as const, text: chosen.text }, value: chosen.value };
      return sendJson(
        res,
        200,
        await deps.door.viewSelect(person, view, blockId, actionId, option, form(body?.form)),
      );
    },
    'POST /api/view-submit': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const view = typeof body?.view === 'string' ? deps.slack.view(body.view) : undefined;
      if (!person || !view || view.user !== person.id || view.closed)
        return sendJson(res, 404, { ok: false, problem: 'no such view' });
      const result = await deps.door.submit(person, view, form(body?.form));
      // Slack closes the modal unless the acknowledgement names errors.
      if (result.ok && !result.errors) deps.slack.closeView(view.id);
      return sendJson(res, 200, result);
    },
    'POST /api/view-close': async (req, res) => {
      const body = await readJson(req);
      const person = personById(body?.user);
      const view = typeof body?.view === 'string' ? deps.slack.view(body.view) : undefined;
      if (person && view && view.user === person.id) deps.slack.closeView(view.id);
      return sendJson(res, 200, { ok: true });
    },
    'POST /api/storm': async (_req, res) => {
      if (!deps.stormKeys)
        return sendJson(res, 400, { status: 400, body: { error: 'a storm needs the QStash emulator' } });
      // Forty keys alert at once through Flowbot's real intake: the first ones get a message each, the rest
      // share one roll-up message.
      const keys = deps.stormKeys(STORM_KEYS);
      const statuses: Record<string, number> = {};
      await Promise.all(
        keys.map(async (key) => {
          const answer = await fetch(new URL('/alerts', deps.flowbotUrl), {
            method: 'POST',
            headers: { authorization: `Bearer ${deps.alertsToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              key,
              channel: CHANNEL.id,
              title: `${key}: downstream answers 503`,
              severity: 'critical',
            }),
            signal: AbortSignal.timeout(30_000),
          }).catch(() => undefined);
          await answer?.text();
          const status = String(answer?.status ?? 0);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }),
      );
      return sendJson(res, 200, { status: 200, body: { keys: keys.length, answers: statuses } });
    },
    'POST /api/alert': async (req, res) => {
      const body = await readJson(req);
      const key = text(body?.key, 256);
      if (key === undefined) return sendJson(res, 400, { status: 400, body: { error: 'key is required' } });
      const severity = ['critical', 'warning', 'info'].includes(String(body?.severity))
        ? String(body?.severity)
        : 'critical';
      const alert = {
        key,
        channel: CHANNEL.id,
        // Without a title Flowbot writes one from the key's live state ("… is paused", "… needs attention").
        ...(text(body?.title, 500) ? { title: text(body?.title, 500) } : {}),
        ...(text(body?.text, 2_000) ? { text: text(body?.text, 2_000) } : {}),
        severity,
        links: [{ text: 'Runbook', url: 'https://runbooks.example.com/flow-control' }],
      };
      // The alert goes through Flowbot's real intake, with its bearer token, as a monitoring system sends it.
      try {
        const answer = await fetch(new URL('/alerts', deps.flowbotUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${deps.alertsToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(15_000),
        });
        const raw = await answer.text();
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          // Shown as the text Flowbot sent.
        }
        return sendJson(res, 200, { status: answer.status, body: parsed });
      } catch (error) {
        return sendJson(res, 200, {
          status: 0,
          body: {
            error: `Flowbot could not be reached: ${error instanceof Error ? error.message : String(error)}`,
          },
        });
      }
    },
  };

  const server: Server = createServer((req, res) => {
    if (!knownHost(req, listen.host, (server.address() as AddressInfo).port))
      return send(res, 421, 'text/plain; charset=utf-8', 'unknown host');
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    // Emoji pictures share one route: /emoji/<id>.svg.
    const pathname = url.pathname.startsWith('/emoji/') ? '/emoji' : url.pathname;
    const name = `${req.method} ${pathname}`;
    const route = Object.hasOwn(routes, name) ? routes[name] : undefined;
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    if (req.method === 'POST' && !fromThePage(req))
      return sendJson(res, 403, { ok: false, problem: 'only the sandbox page may post here' });
    route(req, res).catch((error: unknown) => {
      sendJson(res, 500, { ok: false, problem: error instanceof Error ? error.message : String(error) });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;

  return {
    url: `http://${host}:${port}/`,
    async close() {
      unsubscribe();
      unsubscribeViews();
      if (pending) clearTimeout(pending);
      if (viewsPending) clearTimeout(viewsPending);
      clearInterval(poller);
      clearInterval(heartbeat);
      for (const stream of streams) stream.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
