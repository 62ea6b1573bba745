import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type RunningFlowbot, startFlowbot } from '../../src/app/flowbot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import { blockSuggestionPayload, viewSubmissionPayload } from '../../stand-ins/slack-request.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { ALLOWED_USER, CHANNEL, LogCapture } from '../support/flowbot-harness.js';
import { ALERTS_TOKEN, closesGracefully, ROUTE_CASES, refusals } from '../support/keep-alive.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';
import { formValues } from '../support/surfaces.js';

/**
 * Slack's side of Socket Mode, locally: `apps.connections.open` hands out a WebSocket URL, the socket says
 * hello, delivers envelopes and expects each to be acknowledged with its envelope_id. Everything else of the
 * Web API is passed on to the fake Slack.
 */
class SocketModeSlack {
  private http!: Server;
  private wss!: WebSocketServer;
  readonly sockets: WebSocket[] = [];
  opens = 0;
  readonly acks = new Map<string, unknown>();

  constructor(private readonly slack: FakeSlack) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/api/`;
  }

  async start(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true });
    this.http = createServer((req, res) => void this.api(req, res));
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.push(ws);
        ws.on('message', (data) => {
          const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
          if (message.envelope_id) this.acks.set(message.envelope_id, message.payload ?? null);
        });
        ws.send(
          JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A123456' } }),
        );
      });
    });
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
  }

  private async api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url?.startsWith('/api/apps.connections.open')) {
      this.opens += 1;
      const port = (this.http.address() as AddressInfo).port;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${port}/link/${this.opens}` }));
      return;
    }
    const forwarded = await fetch(`${this.slack.url}${req.url}`, {
      method: req.method ?? 'POST',
      headers: {
        'content-type': String(req.headers['content-type'] ?? ''),
        authorization: String(req.headers.authorization ?? ''),
      },
      body: Buffer.concat(chunks),
    });
    res.writeHead(forwarded.status, { 'content-type': 'application/json' });
    res.end(await forwarded.text());
  }

  live(): WebSocket | undefined {
    return this.sockets.filter((socket) => socket.readyState === socket.OPEN).at(-1);
  }

  send(envelope: Record<string, unknown>): void {
    const socket = this.live();
    if (!socket) throw new Error('no open Socket Mode connection');
    socket.send(JSON.stringify(envelope));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** An upper bound for what should come within a second or two; generous, for a busy machine. */
const SIGNAL_MS = 180_000;

describe('Socket Mode', () => {
  let slack: FakeSlack;
  let qstash: QStashEmulator;
  let socketSlack: SocketModeSlack;
  let bot: RunningFlowbot;
  const logs = new LogCapture();

  beforeAll(async () => {
    slack = await startFakeSlack();
    qstash = await startQStashEmulator();
    socketSlack = new SocketModeSlack(slack);
    await socketSlack.start();
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: 'xapp-1-A123456-socket-test-token',
      SLACK_API_URL: socketSlack.apiUrl,
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.tokens[0],
      FLOW_ALLOWED_USERS: ALLOWED_USER,
      PORT: '0',
      FLOW_DATA_DIR: mkdtempSync(join(tmpdir(), 'flowbot-socket-')),
      LOG_LEVEL: 'debug',
      ALERTS_TOKEN,
      ALERTS_CHANNEL: 'CALERTS01',
    });
    if (loaded.kind === 'invalid') throw new Error(loaded.problems.join('\n'));
    slack.setChannel('CALERTS01');
    bot = await startFlowbot(loaded.config, {
      logger: createLogger({ level: 'debug', secrets: [], destination: logs }),
      qstash: { attemptTimeoutMs: 400, totalTimeoutMs: 2_500, baseDelayMs: 10 },
    });
    await vi.waitFor(
      () => {
        if (!socketSlack.live()) throw new Error('Flowbot has not opened a Socket Mode connection');
      },
      { timeout: SIGNAL_MS, interval: 50 },
    );
  }, 2 * SIGNAL_MS);

  afterAll(async () => {
    await bot?.stop(2_000);
    await Promise.all([socketSlack?.close(), slack?.close(), qstash?.close()]);
  });

  const slashCommand = (envelopeId: string, text: string) => {
    const responseUrl = slack.responseUrl();
    socketSlack.send({
      envelope_id: envelopeId,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'x',
        team_id: 'T0001',
        team_domain: 'example',
        channel_id: CHANNEL,
        channel_name: 'incidents',
        user_id: ALLOWED_USER,
        user_name: 'maria',
        command: '/flow-resume',
        text,
        api_app_id: 'A123456',
        response_url: responseUrl,
        trigger_id: '1.2.3',
      },
    });
    return responseUrl;
  };

  it('handles a slash command over the socket: acknowledged, resumed, told in the channel', async () => {
    qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 5 });
    const responseUrl = slashCommand('env-1', 'orders');
    await expect.poll(() => socketSlack.acks.has('env-1'), { timeout: SIGNAL_MS }).toBe(true);
    const reply = await slack.waitForResponse(
      responseUrl,
      (body) => body.response_type === 'in_channel',
      SIGNAL_MS,
    );
    expect(String(reply.text)).toContain('resumed');
    expect(qstash.getKey('orders')?.isPaused).toBe(false);
  });

  it('handles a button click over the socket', async () => {
    qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const responseUrl = slack.responseUrl();
    socketSlack.send({
      envelope_id: 'env-2',
      type: 'interactive',
      accepts_response_payload: false,
      payload: {
        type: 'block_actions',
        team: { id: 'T0001', domain: 'example' },
        user: { id: ALLOWED_USER, username: 'maria', team_id: 'T0001' },
        api_app_id: 'A123456',
        container: {
          type: 'message',
          message_ts: '1700000000.000900',
          channel_id: CHANNEL,
          is_ephemeral: false,
        },
        channel: { id: CHANNEL, name: 'incidents' },
        message: { type: 'message', ts: '1700000000.000900', text: 'alert', blocks: [] },
        response_url: responseUrl,
        trigger_id: '1.2.3',
        actions: [
          {
            action_id: 'flow_resume',
            block_id: 'b',
            value: 'orders',
            type: 'button',
            action_ts: '1700000000.1',
          },
        ],
      },
    });
    await slack.waitForResponse(responseUrl, (body) => body.replace_original === true, SIGNAL_MS);
    expect(socketSlack.acks.has('env-2')).toBe(true);
  });

  it(
    'reconnects after the connection drops, and keeps working; /readyz follows the connection',
    async () => {
      expect((await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status).toBe(200);
      const opensBefore = socketSlack.opens;
      socketSlack.live()?.terminate();
      await expect.poll(() => socketSlack.opens, { timeout: SIGNAL_MS }).toBeGreaterThan(opensBefore);
      await expect.poll(() => socketSlack.live() !== undefined, { timeout: SIGNAL_MS }).toBe(true);
      qstash.setKey({ flowControlKey: 'orders', isPaused: true });
      const responseUrl = slashCommand('env-3', 'orders');
      const reply = await slack.waitForResponse(
        responseUrl,
        (body) => body.response_type === 'in_channel',
        SIGNAL_MS,
      );
      expect(String(reply.text)).toContain('resumed');
    },
    3 * SIGNAL_MS,
  );

  it('answers the key picker and a modal’s input problems in the envelope’s acknowledgement', async () => {
    qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    socketSlack.send({
      envelope_id: 'env-4',
      type: 'interactive',
      accepts_response_payload: true,
      payload: blockSuggestionPayload({
        userId: ALLOWED_USER,
        actionId: 'flow_key',
        value: 'ord',
        view: { id: 'V1', type: 'modal' },
      }),
    });
    await expect
      .poll(() => socketSlack.acks.get('env-4'), { timeout: SIGNAL_MS })
      .toMatchObject({
        options: [{ value: 'orders' }],
      });
    socketSlack.send({
      envelope_id: 'env-5',
      type: 'interactive',
      accepts_response_payload: true,
      payload: viewSubmissionPayload({
        userId: ALLOWED_USER,
        view: { id: 'V1', callback_id: 'flow_control_modal' },
        values: formValues({ key: 'orders', action: 'pause', duration: 'soon', channel: CHANNEL }),
      }),
    });
    await expect
      .poll(() => socketSlack.acks.get('env-5'), { timeout: SIGNAL_MS })
      .toMatchObject({
        response_action: 'errors',
        errors: { flow_for: expect.any(String) },
      });
  });

  // The route server (health, metrics, alert intake) is the only HTTP door in Socket Mode.
  refusals('Socket Mode route server', ROUTE_CASES, () => `http://127.0.0.1:${bot.port}`);
  closesGracefully('Socket Mode route server', () => `http://127.0.0.1:${bot.port}`);

  // Last: it stops the shared bot (afterAll's stop is then a no-op).
  it('stop() closes everything it opened: the route server on PORT and the socket', async () => {
    const url = `http://127.0.0.1:${bot.port}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    await bot.stop(2_000);
    await expect(fetch(url)).rejects.toThrow();
    await expect.poll(() => socketSlack.live(), { timeout: SIGNAL_MS }).toBeUndefined();
    expect(logs.entries().some((entry) => entry.msg === 'Flowbot stopped')).toBe(true);
  });
});
