import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { boltLogger } from '../bolt-logger.js';
import { guardConnections } from '../connection-guard.js';
import { receiverFallbacks } from '../receiver-fallbacks.js';
import {
  buildNoBodyResponse,
  buildSSLCheckResponse,
  buildUrlVerificationResponse,
  defaultBodyLimit,
  extractRetryNumFromHTTPRequest,
  extractRetryReasonFromHTTPRequest,
  getTypeAndConversation,
  HTTPResponseAck,
  IncomingEventType,
  isRawBodyError,
  parseAndVerifyHTTPRequest,
  parseHTTPRequestBody,
} from './bolt-http.js';

/** Where Slack sends every request (events, commands, interactivity), as in Bolt's HTTP receiver. */
const SLACK_ENDPOINT = '/slack/events';
/** Bolt's HTTP receiver's default: an acknowledgement not given by then is answered by the fallback. */
const UNHANDLED_REQUEST_TIMEOUT_MS = 3_001;

/** One of Slack's requests, its signature checked and its body parsed, for the front door to acknowledge. */
export interface ReceivedSlackRequest {
  readonly body: Record<string, unknown>;
  /** `X-Slack-Retry-Num`, when Slack sends the request again. */
  readonly retryNum: number | undefined;
  /** `X-Slack-Retry-Reason`. */
  readonly retryReason: string | undefined;
  /**
   * Acknowledges with the given body (an object as JSON, a string as is, nothing as an empty 200); throws
   * Bolt's ReceiverMultipleAckError when called twice. Undefined for Events API requests, which are
   * acknowledged before they are handed over (Slack expects nothing in the answer), as Bolt's App does.
   */
  readonly ack: ((response?: unknown) => Promise<void>) | undefined;
}

export interface FrontDoorServerOptions {
  readonly signingSecret: string;
  /** Served beside the Slack endpoint, matched on exact path and method. */
  readonly routes: readonly {
    readonly path: string;
    readonly methods: readonly string[];
    readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  }[];
  /** Takes every signed request Slack sends with a payload Bolt knows; throwing is answered by the fallback. */
  readonly onSlackRequest: (request: ReceivedSlackRequest) => Promise<void>;
  readonly logger: Logger;
}

export interface FrontDoorServer {
  /** Listens on `port` (0: any free one) on every interface; rejects with the server's error (EADDRINUSE…). */
  listen(port: number): Promise<number>;
  /** Stops taking connections; resolves once the requests already received are answered. */
  close(): Promise<void>;
}

/**
 * The payload's kind, as Bolt's App reads it; undefined when Bolt can't tell, or can't read the payload at all
 * (its reader throws on a signed payload whose fields have the wrong shapes, e.g. `"channel": null`: the App
 * would throw on it the same way, so it is acknowledged and not handed over).
 */
function typeOf(body: Record<string, unknown>): ReturnType<typeof getTypeAndConversation>['type'] {
  try {
    return getTypeAndConversation(body).type;
  } catch {
    return undefined;
  }
}

/**
 * What Bolt's HTTP receiver does with Slack's requests, on a plain `node:http` server and with Bolt's own
 * functions (see bolt-http.ts), without loading Bolt's App: `POST /slack/events` read within Bolt's 4 MB limit
 * (413 beyond it), signature and timestamp checked (401), body parsed (400), `ssl_check` and
 * `url_verification` answered here, Events API requests acknowledged at once, anything else handed to
 * `onSlackRequest` to acknowledge, with Bolt's 3 s fallback if it doesn't. Other paths go to the routes or get
 * a 404. Every early answer leaves the keep-alive connection usable or closes it properly (connection-guard).
 */
export function createFrontDoorServer(options: FrontDoorServerOptions): FrontDoorServer {
  const { logger, signingSecret } = options;
  const slackLogger = boltLogger(logger);
  const fallbacks = receiverFallbacks(logger);

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let received: Awaited<ReturnType<typeof parseAndVerifyHTTPRequest>>;
    try {
      received = await parseAndVerifyHTTPRequest({ signingSecret, bodyLimit: defaultBodyLimit }, req);
    } catch (error) {
      if (isRawBodyError(error) && (error.type === 'entity.too.large' || error.statusCode === 413)) {
        logger.warn(`Request body exceeded the maximum allowed size (limit: ${defaultBodyLimit} bytes)`);
        buildNoBodyResponse(res, 413);
        return;
      }
      logger.warn(`Failed to parse and verify the request data: ${(error as Error).message}`);
      buildNoBodyResponse(res, 401);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = parseHTTPRequestBody(received);
    } catch (error) {
      logger.warn(`Malformed request body: ${(error as Error).message}`);
      buildNoBodyResponse(res, 400);
      return;
    }
    if (body === null || typeof body !== 'object') {
      logger.warn('Malformed request body: not an object');
      buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check === '1') return buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return buildUrlVerificationResponse(res, body);

    const type = typeOf(body);
    const acknowledgement = new HTTPResponseAck({
      logger: slackLogger,
      processBeforeResponse: false,
      unhandledRequestHandler: fallbacks.unhandledRequestHandler,
      unhandledRequestTimeoutMillis: UNHANDLED_REQUEST_TIMEOUT_MS,
      httpRequest: received,
      httpRequestBody: body,
      httpResponse: res,
    });
    const ack = acknowledgement.bind();
    if (type === undefined) {
      // Bolt's App calls no listener for these; Slack still gets its 200 now rather than after the fallback's 3 s.
      logger.warn('Could not determine the type of an incoming request; acknowledged and not handed over');
      await ack();
      return;
    }
    const event = body.event as { type?: unknown } | undefined;
    const ackedHere = type === IncomingEventType.Event && event?.type !== 'function_executed';
    try {
      if (ackedHere) await ack();
      await options.onSlackRequest({
        body,
        retryNum: extractRetryNumFromHTTPRequest(req),
        retryReason: extractRetryReasonFromHTTPRequest(req),
        ack: ackedHere ? undefined : ack,
      });
    } catch (error) {
      const acknowledged = await fallbacks.processEventErrorHandler({
        error: error instanceof Error ? error : new Error(String(error)),
        logger: slackLogger,
        request: req,
        response: res,
        storedResponse: undefined,
      });
      if (acknowledged) acknowledgement.ack();
    }
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      buildNoBodyResponse(res, 404);
      return;
    }
    if (path === SLACK_ENDPOINT && method === 'POST') {
      receive(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'a Slack request failed in the front door');
        if (!res.headersSent) buildNoBodyResponse(res, 500);
      });
      return;
    }
    const match = options.routes.find(
      (candidate) =>
        candidate.path === path && candidate.methods.some((allowed) => allowed.toUpperCase() === method),
    );
    if (match) {
      match.handler(req, res);
      return;
    }
    logger.info(`Unhandled HTTP request (${method}) made to ${path}`);
    buildNoBodyResponse(res, 404);
  }

  const server: Server = guardConnections(createServer(route));
  return {
    listen: (port) =>
      new Promise((resolve, reject) => {
        const failed = (error: Error) => {
          server.close();
          reject(error);
        };
        server.once('error', failed);
        server.listen(port, () => {
          server.off('error', failed);
          server.on('error', (error) => logger.error({ err: error }, 'the front door’s server failed'));
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
