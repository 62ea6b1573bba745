import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../logger.js';
import { overloadedFormErrors } from '../blocks/modal.js';
import { outbound } from '../blocks/outbound.js';
import { overloadedMessage } from '../blocks/refusal.js';
import { FLOW_CONTROL_VIEW } from '../blocks/surface-ids.js';
import { acknowledge, answeredInFull, type CommandAck, isSlashCommand } from '../commands/command-table.js';
import { type ViewAck, viewSubmissionAck } from '../commands/flow-form.js';
import { routeServerAgent } from '../route-server.js';
import { sendJson } from '../routes.js';
import { Backlog } from './backlog.js';
import {
  createFrontDoorServer,
  type FrontDoorServer,
  type ReceivedSlackRequest,
} from './front-door-server.js';
import type {
  AppMessage,
  FrontDoorMessage,
  FrontDoorOpening,
  FrontDoorThreadSettings,
  RefusedKind,
} from './protocol.js';

/**
 * The front door: a thread that only receives Slack's requests (Bolt checks their signatures), acknowledges
 * them and hands them to the app. Acknowledgements never wait behind the app's work (QStash answers, replies,
 * disk), however much of it there is, so Slack's 3-second deadline is kept under load. It loads only the parts
 * of Bolt that receiving takes (front-door-server.ts), not Bolt's App: the thread's whole memory is paid for
 * on top of the app's.
 */

const channel: MessagePort = parentPort ?? notAThread();
const settings = workerData as FrontDoorThreadSettings;

function notAThread(): never {
  throw new Error('the front door runs as a worker thread');
}
const send = (message: FrontDoorMessage) => channel.postMessage(message);
const logger = createLogger({
  level: settings.logLevel,
  // Secrets are scrubbed where every line ends up: the app's logger, which writes these lines out.
  secrets: [],
  destination: { write: (line: string) => send({ kind: 'log', line }) },
}).child({ thread: 'front-door' });

const toApp = routeServerAgent();
/** Headers about one connection, not the message: the app's connection to the front door is not the client's. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/**
 * Passes a request for one of Flowbot's own routes to the app's loopback route server, as it came. When
 * the app answers before the body has all arrived (a refusal), the rest is not passed on: the front door's
 * own server reads it or closes the connection properly (see connection-guard).
 */
function passOn(routePort: number, req: IncomingMessage, res: ServerResponse): void {
  let answered = false;
  const upstream = request(
    {
      host: '127.0.0.1',
      port: routePort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: toApp,
    },
    (answer) => {
      const headers = Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
      );
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.once('end', () => {
        answered = true;
        if (!req.complete) {
          req.unpipe(upstream);
          upstream.destroy();
        }
      });
    },
  );
  // The client gone before its answer (an aborted upload, a dropped connection): the app's side is ended too,
  // or the route would hold what it took (its share of the bound) until the route server's own timeout.
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.on('error', (error) => {
    // After a whole answer, the app's side closing early is its refusal running its course, not a failure;
    // with the client gone, there is nobody to answer.
    if (answered || res.destroyed) return;
    logger.warn({ err: error, path: req.url }, 'the app did not answer a route');
    if (!res.headersSent) sendJson(res, 503, { error: 'unavailable' });
    else res.destroy();
  });
  // The headers go at once, not with the body's first bytes: the app can answer from them alone (a declared
  // length over the route's limit, a missing token) before the sender sends any body.
  upstream.flushHeaders();
  req.pipe(upstream);
}

/** What the front door acknowledges from the payload alone: commands' and modal submissions' answers. */
function acknowledgement(body: Record<string, unknown>): CommandAck | ViewAck {
  if (body.type === 'view_submission') return viewSubmissionAck(body, settings.environments);
  const command = body.command;
  if (!isSlashCommand(command)) return undefined;
  return acknowledge(command, typeof body.text === 'string' ? body.text : '', settings.environments);
}

/** A command whose acknowledgement is its whole answer (help, usage, a mistyped key). */
function answersItself(body: Record<string, unknown>): boolean {
  const command = body.command;
  return (
    isSlashCommand(command) &&
    answeredInFull(command, typeof body.text === 'string' ? body.text : '', settings.environments)
  );
}

/** A menu's options come from the app's key list: these acknowledgements wait for the app, within a bound. */
function needsTheApp(body: Record<string, unknown>): boolean {
  return body.type === 'block_suggestion';
}

/** What is acknowledged when the app doesn't answer in time: an empty menu (Slack shows "no results"). */
function withoutTheApp(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return body.type === 'block_suggestion' ? { options: [] } : undefined;
}

const ANSWER_TIMEOUT_MS = settings.answerTimeoutMs ?? 2_500;
const answers = new Map<number, (response: unknown) => void>();
let nextAnswerId = 0;

/** Hands the request over and waits for the app's acknowledgement body, at most ANSWER_TIMEOUT_MS. */
function askTheApp(
  body: Record<string, unknown>,
  retryNum: number | undefined,
  retryReason: string | undefined,
) {
  nextAnswerId += 1;
  const id = nextAnswerId;
  return new Promise<unknown>((resolve) => {
    const timer = setTimeout(() => {
      answers.delete(id);
      logger.warn({ type: body.type }, 'the app did not answer in time; acknowledged without it');
      resolve(withoutTheApp(body));
    }, ANSWER_TIMEOUT_MS);
    answers.set(id, (response) => {
      clearTimeout(timer);
      answers.delete(id);
      resolve(response ?? withoutTheApp(body));
    });
    send({ kind: 'request', body, retryNum, retryReason, answerId: id });
  });
}

const backlog = new Backlog(settings.maxInFlight);
/** Requests refused since the bound was last reached; undefined while there is room. */
let refusedInARow: number | undefined;

/**
 * What a request would be refused as past the bound, or undefined for those that are handed over whatever
 * the bound: Flowbot can't answer them without the app (a workflow step must be completed or failed through
 * the Web API, a shortcut's modal is opened with its trigger, a click on the Home tab has no response_url),
 * and they come at the pace of people clicking, not of a storm.
 */
function refusedAs(body: Record<string, unknown>, acknowledgedOnArrival: boolean): RefusedKind | undefined {
  // Slack sends an event again when it isn't acknowledged; acknowledged and dropped, it is simply missed
  // (a Home tab opened while Flowbot is overloaded shows what it showed before).
  if (acknowledgedOnArrival) return 'event';
  if (typeof body.command === 'string') return 'command';
  if (body.type === 'block_suggestion') return 'options';
  if (body.type === 'block_actions' && typeof body.response_url === 'string') return 'click';
  const view = body.view as { callback_id?: unknown } | undefined;
  if (body.type === 'view_submission' && view?.callback_id === FLOW_CONTROL_VIEW) return 'submission';
  return undefined;
}

/** Answers a request refused past the bound: the overload message where Slack shows one, never handed over. */
async function refuse(what: RefusedKind, request: ReceivedSlackRequest, retryAfterMs: number): Promise<void> {
  if (refusedInARow === undefined) {
    refusedInARow = 0;
    logger.warn(
      { inFlight: backlog.inFlight, maxInFlight: settings.maxInFlight },
      'Flowbot is overloaded: new requests are answered so and not handed over until work in flight drains (FLOW_MAX_IN_FLIGHT)',
    );
  }
  refusedInARow += 1;
  const { body, ack } = request;
  // A click's acknowledgement shows nothing: the app tells the person through its response_url, so the
  // front door's loop sends nothing but acknowledgements.
  const responseUrl =
    what === 'click' && typeof body.response_url === 'string' ? body.response_url : undefined;
  send({ kind: 'refused', what, ...(responseUrl !== undefined ? { responseUrl, retryAfterMs } : {}) });
  switch (what) {
    case 'command':
      await ack?.({ response_type: 'ephemeral', ...outbound(overloadedMessage(retryAfterMs)) });
      return;
    case 'options':
      await ack?.({ options: [] });
      return;
    case 'submission':
      await ack?.(overloadedFormErrors(retryAfterMs));
      return;
    case 'click':
      await ack?.();
      return;
    case 'event': {
      const event = body.event as { type?: unknown } | undefined;
      logger.warn(
        { event: typeof event?.type === 'string' ? event.type.slice(0, 64) : undefined },
        'Flowbot is overloaded: an event was acknowledged and dropped',
      );
      return;
    }
  }
}

/** Starts listening where the app says, once; the app hears `listening` or `failed`. */
function open(opening: FrontDoorOpening): FrontDoorServer {
  const server = createFrontDoorServer({
    signingSecret: settings.signingSecret,
    routes: opening.routes.map((route) => ({
      path: route.path,
      methods: route.methods,
      handler: (req: IncomingMessage, res: ServerResponse) => passOn(opening.routePort, req, res),
    })),
    logger,
    onSlackRequest: async (request) => {
      const { body, retryNum, retryReason, ack } = request;
      const what = refusedAs(body, ack === undefined);
      if (what === undefined) backlog.handOver();
      else {
        const admission = backlog.admit();
        if (admission.kind === 'overloaded') {
          // Help, usage and mistyped commands are answered from their text alone, as ever, and not handed over.
          if (what === 'command' && answersItself(body)) await ack?.(acknowledgement(body));
          else await refuse(what, request, admission.retryAfterMs);
          return;
        }
      }
      // Events were acknowledged on arrival; everything else is acknowledged here, before it is handed over.
      if (ack) {
        if (needsTheApp(body)) {
          await ack(await askTheApp(body, retryNum, retryReason));
          return;
        }
        await ack(acknowledgement(body));
      }
      send({ kind: 'request', body, retryNum, retryReason });
    },
  });
  server.listen(opening.port).then(
    (port) => send({ kind: 'listening', port }),
    (error: unknown) => {
      const code = (error as { code?: unknown } | undefined)?.code;
      send({
        kind: 'failed',
        message: error instanceof Error ? error.message : String(error),
        code: typeof code === 'string' ? code : undefined,
      });
      channel.close();
    },
  );
  return server;
}

let server: FrontDoorServer | undefined;

channel.on('message', (message: AppMessage) => {
  if (message.kind === 'open') {
    server ??= open(message);
    return;
  }
  if (message.kind === 'answer') {
    answers.get(message.id)?.(message.response);
    return;
  }
  if (message.kind === 'load') {
    backlog.report(message);
    if (refusedInARow !== undefined && backlog.inFlight < settings.maxInFlight) {
      logger.info({ refused: refusedInARow }, 'Flowbot is taking requests again');
      refusedInARow = undefined;
    }
    return;
  }
  if (message.kind !== 'close') return;
  if (!server) {
    channel.close();
    return;
  }
  // Stops taking connections; requests already received are answered before the thread ends.
  server
    .close()
    .catch((error: unknown) => logger.warn({ err: error }, 'error while closing the front door'))
    .finally(() => {
      toApp.destroy();
      channel.close();
    });
});
