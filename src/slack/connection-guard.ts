import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/**
 * What happens to a keep-alive connection when Flowbot answers before it has read the request's body: a
 * 413 for a body over the limit, a 401 without the right token or signature, a 400, a 404. Node leaves
 * the unread rest of the body on the connection, where it is taken for the next request (which then fails),
 * or closes the socket with unread data, which resets it (RST): the client may lose the answer, and the
 * next request on that connection, behind a load balancer perhaps Slack's, is reset mid-flight.
 *
 * So every early answer is followed up, whoever wrote it (Flowbot's routes, Bolt's receiver, the front
 * door): a body of known length up to DRAIN_LIMIT_BYTES is read to its end and dropped, and the connection
 * stays usable; anything larger, or of unknown length (chunked), is answered with `Connection: close`,
 * after which the connection is closed the graceful way: Flowbot's side is shut after the answer, what
 * the client still sends is read and dropped (at most LINGER_BYTES, for at most LINGER_MS), and the socket
 * is closed when the client closes its side. No client that reads its answer sees a reset.
 */

/** A refused request's body up to this size is read and dropped, and the connection kept. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;
/** After `Connection: close`, how much of what the client still sends is read; then reading stops until LINGER_MS. */
export const LINGER_BYTES = 16 * 1024 * 1024;
/** After `Connection: close`, how long the client has to close its side before the socket is closed. */
export const LINGER_MS = 5_000;

/** Whether the request has a body at all (a GET without Content-Length has none). */
function expectsBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/** `Connection` and `Keep-Alive` removed from headers given to writeHead, which would override ours. */
function withoutConnectionHeaders(headers: unknown): unknown {
  if (Array.isArray(headers)) {
    const kept: unknown[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (!/^(connection|keep-alive)$/i.test(String(headers[i]))) kept.push(headers[i], headers[i + 1]);
    }
    return kept;
  }
  if (headers !== null && typeof headers === 'object') {
    const kept: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
      if (!/^(connection|keep-alive)$/i.test(name)) kept[name] = value;
    }
    return kept;
  }
  return headers;
}

/**
 * Closes the way that loses nothing: Node would end and then destroy the socket as soon as the answer is
 * written (`destroySoon`), with the client's body still arriving, which resets the connection. Instead the
 * socket's sending side is shut, the rest of the request is read and dropped (at most LINGER_BYTES; then
 * reading stops), and the socket is destroyed when the client closes or after LINGER_MS, whichever comes first.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket;
  const nodeDestroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    socket.destroySoon = nodeDestroySoon;
    let discarded = 0;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      // Enough read: stop reading rather than close at once. Closing with the client's bytes still arriving
      // resets the connection, and a reset can discard the answer before a slow client has read it; paused,
      // the client's sending stalls until LINGER_MS ends the connection, its answer long delivered.
      if (discarded > LINGER_BYTES) {
        req.pause();
        socket.pause();
      }
    });
    req.resume();
    socket.end();
  };
}

/** Decides, as the answer's headers go out before the body was read, between draining and closing. */
function followUp(req: IncomingMessage, res: ServerResponse): 'drain' | 'close' {
  const length = Number(req.headers['content-length']);
  if (
    req.headers['transfer-encoding'] === undefined &&
    Number.isFinite(length) &&
    length <= DRAIN_LIMIT_BYTES
  ) {
    res.once('finish', () => req.resume());
    return 'drain';
  }
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  lingerOnClose(req);
  return 'close';
}

function watch(req: IncomingMessage, res: ServerResponse): void {
  if (!expectsBody(req)) return;
  const writeHead = res.writeHead;
  // Every way of answering goes through writeHead (end() and write() call it for implicit headers).
  res.writeHead = function guardedWriteHead(this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    if (!req.complete && followUp(req, res) === 'close') {
      const last = args.length - 1;
      if (last >= 1) args[last] = withoutConnectionHeaders(args[last]);
    }
    return (writeHead as (...parameters: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/** Follows up every early answer this server gives (see above); call before it takes requests. */
export function guardConnections<T extends Server | HttpsServer>(server: T): T {
  server.prependListener('request', watch);
  return server;
}
