import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { DRAIN_LIMIT_BYTES, LINGER_BYTES } from '../../src/slack/connection-guard.js';
import { SIGNING_SECRET } from './flowbot-harness.js';
import { signSlackRequest, slashCommandBody } from './slack-request.js';

/** One request and what came of it on a keep-alive client, including any error after the answer. */
export interface Exchange {
  readonly status: number | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Which connection carried it: the same number means the connection was kept and reused. */
  readonly connection: number;
  /** Errors seen while sending or receiving (a reset shows up here as ECONNRESET or EPIPE). */
  readonly errors: string[];
}

export interface Outgoing {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Sent chunked (no Content-Length), as a proxy streaming a body of unknown size would. */
  readonly chunked?: boolean;
}

/**
 * A client that keeps one connection open and reuses it, as a load balancer does (Node's Agent with
 * keepAlive and one socket): a request after a refusal goes on the same connection if the server kept it.
 */
export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly connections = new Map<Socket, number>();

  constructor(private readonly baseUrl: string) {}

  send(outgoing: Outgoing): Promise<Exchange> {
    return new Promise((resolve) => {
      const errors: string[] = [];
      let status: number | undefined;
      let headers: IncomingHttpHeaders = {};
      let body = '';
      let connection = -1;
      const payload =
        outgoing.body === undefined
          ? undefined
          : Buffer.isBuffer(outgoing.body)
            ? outgoing.body
            : Buffer.from(outgoing.body);
      const req = request(`${this.baseUrl}${outgoing.path}`, {
        method: outgoing.method ?? 'POST',
        agent: this.agent,
        headers: {
          ...outgoing.headers,
          ...(payload && !outgoing.chunked ? { 'content-length': String(payload.length) } : {}),
        },
      });
      req.on('socket', (socket: Socket) => {
        if (!this.connections.has(socket)) this.connections.set(socket, this.connections.size + 1);
        connection = this.connections.get(socket) ?? -1;
      });
      req.on('response', (response) => {
        status = response.statusCode;
        headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
      });
      req.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
      // `close` comes last, after the answer and any error: the exchange is over either way.
      req.on('close', () => setImmediate(() => resolve({ status, headers, body, connection, errors })));
      void this.write(req, payload);
    });
  }

  /** Writes the body in 64 kB pieces, waiting for the socket as a real sender would. */
  private async write(req: ReturnType<typeof request>, payload: Buffer | undefined): Promise<void> {
    if (payload) {
      for (let at = 0; at < payload.length && !req.destroyed; at += 64 * 1024) {
        if (!req.write(payload.subarray(at, at + 64 * 1024)))
          await new Promise<void>((resume) => {
            req.once('drain', resume);
            req.once('close', resume);
          });
      }
    }
    if (!req.destroyed) req.end();
  }

  close(): void {
    this.agent.destroy();
  }
}

// --- refusals through a real door, shared by the HTTP and Socket Mode tests -------------------------

export const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
const json = { 'content-type': 'application/json' };
const bearer = { ...json, authorization: `Bearer ${ALERTS_TOKEN}` };

export function signedCommand(text: string): Outgoing {
  const body = slashCommandBody({ command: '/flow', text, user_id: 'UALLOWED1', channel_id: 'CINCIDENTS' });
  return { path: '/slack/events', headers: { ...signSlackRequest(SIGNING_SECRET, body) }, body };
}

export const validAlert: Outgoing = {
  path: '/alerts',
  headers: bearer,
  body: JSON.stringify({ key: 'orders-eu' }),
};
export const health: Outgoing = { method: 'GET', path: '/healthz' };

/** A JSON body of about `bytes`, valid JSON so that only its size can be the problem. */
function bigAlert(bytes: number): string {
  return JSON.stringify({ key: 'orders-eu', text: 'x'.repeat(bytes) });
}

export interface Case {
  readonly name: string;
  readonly refused: Outgoing;
  readonly status: number;
  /** Kept: the next request reuses the connection. Closed: the answer says so, the next one reconnects. */
  readonly connection: 'kept' | 'closed';
  readonly next: Outgoing;
}

export const ROUTE_CASES: Case[] = [
  {
    name: 'an alert without the bearer token (401), body unread',
    refused: { path: '/alerts', headers: json, body: bigAlert(200_000) },
    status: 401,
    connection: 'kept',
    next: validAlert,
  },
  {
    name: 'an alert over 64 kB (413), the rest drained',
    refused: { path: '/alerts', headers: bearer, body: bigAlert(100_000) },
    status: 413,
    connection: 'kept',
    next: validAlert,
  },
  {
    name: 'an Alertmanager body over 1 MB (413), too big to drain',
    refused: {
      path: '/alerts/alertmanager',
      headers: bearer,
      body: bigAlert(DRAIN_LIMIT_BYTES + 2 * 1024 * 1024),
    },
    status: 413,
    connection: 'closed',
    next: validAlert,
  },
  {
    name: 'a chunked alert over 64 kB (413), of unknown length',
    refused: { path: '/alerts', headers: bearer, body: bigAlert(300_000), chunked: true },
    status: 413,
    connection: 'closed',
    next: validAlert,
  },
  {
    name: 'a body posted to no route (404)',
    refused: { path: '/nowhere', headers: json, body: bigAlert(150_000) },
    status: 404,
    connection: 'kept',
    next: health,
  },
];

/**
 * `proxied`: behind the front door, whether the body had all arrived by the time the app's refusal came
 * back depends on timing, so a connection the app would close may rightly be kept (the body was read).
 * Either way the answer says which, and the next request goes on a connection that works.
 */
function expectServedAfter(refused: Exchange, next: Exchange, expected: Case, proxied: boolean): void {
  expect(refused.errors, 'the refused request saw a reset').toEqual([]);
  expect(refused.status).toBe(expected.status);
  expect(next.errors, 'the next request saw a reset').toEqual([]);
  expect(next.status).toBe(200);
  const kept =
    proxied && expected.connection === 'closed'
      ? refused.headers.connection !== 'close'
      : expected.connection === 'kept';
  if (kept) {
    expect(refused.headers.connection).not.toBe('close');
    expect(next.connection).toBe(refused.connection);
  } else {
    expect(refused.headers.connection).toBe('close');
    expect(next.connection).not.toBe(refused.connection);
  }
}

export function refusals(door: string, cases: readonly Case[], url: () => string, proxied = false): void {
  for (const expected of cases) {
    it(`${door}: serves the next request after ${expected.name}`, async () => {
      const client = new KeepAliveClient(url());
      try {
        // A first request opens the connection, so that the refusal happens on a connection in use.
        expect((await client.send(health)).status).toBe(200);
        const refused = await client.send(expected.refused);
        const next = await client.send(expected.next);
        expectServedAfter(refused, next, expected, proxied);
        // And the connection after that still works.
        expect((await client.send(health)).errors).toEqual([]);
      } finally {
        client.close();
      }
    }, 30_000);
  }
}

/**
 * On a raw socket: a chunked body still being sent when the refusal comes. The answer says
 * `Connection: close`; what the client sends after it is read, and the connection ends with the server's
 * FIN, never a reset.
 */
export function closesGracefully(door: string, url: () => string): void {
  it(`${door}: closes a connection it refused mid-body gracefully (FIN, not RST)`, async () => {
    const { hostname, port } = new URL(url());
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    const answered = () => Buffer.concat(received).includes('\r\n\r\n');
    const outcome = new Promise<string>((resolve) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('end', () => resolve('end'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    const chunk = (data: Buffer) => `${data.length.toString(16)}\r\n${data.toString('latin1')}\r\n`;
    const piece = Buffer.alloc(32 * 1024, 'x');
    socket.write(
      `POST /alerts HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${ALERTS_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    // Past the 64 kB limit, then wait for the refusal while the body is still open.
    for (let i = 0; i < 4; i += 1) socket.write(chunk(piece));
    await expect.poll(answered, { timeout: 60_000, interval: 10 }).toBe(true);
    // The client goes on sending what it had started: the server reads it rather than resetting.
    for (let i = 0; i < 8; i += 1) socket.write(chunk(piece));
    socket.write('0\r\n\r\n');
    expect(await outcome).toBe('end');
    const answer = Buffer.concat(received).toString('latin1');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    socket.end();
  }, 30_000);
}

/**
 * A sender that keeps sending far past the answer (`Connection: close`) is cut off once LINGER_BYTES are
 * read: the server's reading is bounded too. It has its answer by then, and the next request reconnects.
 */
export function boundsLingering(door: string, url: () => string): void {
  it(`${door}: reads at most a bounded amount of a refused body before closing`, async () => {
    const client = new KeepAliveClient(url());
    try {
      const refused = await client.send({
        path: '/alerts',
        headers: bearer,
        body: Buffer.alloc(LINGER_BYTES + 8 * 1024 * 1024, 'x'),
        chunked: true,
      });
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe('close');
      const next = await client.send(validAlert);
      expect(next.errors).toEqual([]);
      expect(next.status).toBe(200);
      expect(next.connection).not.toBe(refused.connection);
    } finally {
      client.close();
    }
  }, 60_000);
}
