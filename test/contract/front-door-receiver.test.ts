import type { App, ReceiverEvent } from '@slack/bolt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFlowCommand } from '../../src/core/commands/flow-command.js';
import { WorkTracker } from '../../src/core/work-tracker.js';
import { flowAck } from '../../src/slack/commands/command-table.js';
import { FrontDoorThread } from '../../src/slack/front-door/front-door-launch.js';
import { FrontDoorReceiver } from '../../src/slack/front-door/front-door-receiver.js';
import { sendJson } from '../../src/slack/routes.js';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

const SECRET = 'front0door0signing0secret0abcdef';
const ENVIRONMENTS = { names: ['default'], defaultName: 'default' };

/** The receiver on its own, with a stand-in for the app that records what it is handed. */
async function startReceiver(thread?: FrontDoorThread) {
  const events: ReceiverEvent[] = [];
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
  const receiver = new FrontDoorReceiver({
    signingSecret: SECRET,
    environments: ENVIRONMENTS,
    logLevel: 'warn',
    maxInFlight: 1_000,
    work: new WorkTracker(() => {}),
    routes: [
      { path: '/healthz', method: ['GET'], handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
      {
        path: '/echo',
        method: ['POST'],
        handler: async (req, res) => {
          let body = '';
          for await (const chunk of req) body += chunk;
          sendJson(res, 200, { method: req.method, body, token: req.headers.authorization });
        },
      },
    ],
    logger,
    restartDelayMs: 20,
    ...(thread ? { thread } : {}),
  });
  receiver.init({
    processEvent: async (event: ReceiverEvent) => {
      events.push(event);
    },
  } as unknown as App);
  const port = await receiver.start(0);
  started.push(receiver);
  return { receiver, events, logs, url: `http://127.0.0.1:${port}` };
}

const started: FrontDoorReceiver[] = [];
afterEach(async () => {
  for (const receiver of started.splice(0)) await receiver.stop();
});

describe('FrontDoorReceiver', () => {
  it('acknowledges a command with the listener’s own answer and hands the payload over once', async () => {
    const { events, url } = await startReceiver();
    const body = slashCommandBody({ command: '/flow', text: 'resume orders-eu', user_id: 'U1' });
    const ack = await postToSlackEndpoint(url, SECRET, body, { headers: { 'x-slack-retry-num': '1' } });
    expect(ack.status).toBe(200);
    const expected = flowAck(parseFlowCommand('resume orders-eu', ENVIRONMENTS), ENVIRONMENTS);
    expect(JSON.parse(ack.body)).toEqual(expected);
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]?.body).toMatchObject({ command: '/flow', text: 'resume orders-eu', user_id: 'U1' });
    expect(events[0]?.retryNum).toBe(1);
    // The app's own ack is a no-op: the answer has gone already.
    await expect(events[0]?.ack()).resolves.toBeUndefined();
  });

  it('acknowledges a click with an empty 200 and hands over the parsed payload', async () => {
    const { events, url } = await startReceiver();
    const body = blockActionsBody({
      actionId: 'flow_resume',
      value: 'orders-eu',
      userId: 'U1',
      channelId: 'C1',
      responseUrl: 'http://127.0.0.1:9/response',
    });
    const ack = await postToSlackEndpoint(url, SECRET, body);
    expect(ack).toMatchObject({ status: 200, body: '' });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]?.body).toMatchObject({ type: 'block_actions', actions: [{ action_id: 'flow_resume' }] });
  });

  it('hands over nothing that Bolt refuses: bad signature, stale timestamp, not a Slack payload', async () => {
    const { events, url } = await startReceiver();
    const body = slashCommandBody({ command: '/flow', text: 'help' });
    expect((await postToSlackEndpoint(url, 'wrong-secret-0123456789abcdef', body)).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3_600;
    expect((await postToSlackEndpoint(url, SECRET, body, { timestamp: stale })).status).toBe(401);
    expect((await postToSlackEndpoint(url, SECRET, '', { signature: '' })).status).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('passes the app’s routes through unchanged (method, body, headers) and 404s the rest', async () => {
    const { url } = await startReceiver();
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const echo = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc' },
      body: 'x'.repeat(70_000),
    });
    const echoed = (await echo.json()) as { method: string; body: string; token: string };
    expect(echoed).toMatchObject({ method: 'POST', token: 'Bearer abc' });
    expect(echoed.body).toHaveLength(70_000);
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404);
  });

  it('starts the thread again on the same port when it dies, and takes requests again', async () => {
    const { receiver, events, logs, url } = await startReceiver();
    const port = receiver.port;
    await receiver.worker?.terminate();
    expect(receiver.listening).toBe(false);
    await expect.poll(() => receiver.listening, { timeout: 60_000 }).toBe(true);
    expect(receiver.port).toBe(port);
    const ack = await postToSlackEndpoint(url, SECRET, slashCommandBody({ command: '/flow', text: 'help' }));
    expect(ack.status).toBe(200);
    await expect.poll(() => events.length).toBe(1);
    expect(logs.join('')).toContain('the front door thread stopped unexpectedly');
  });

  it('fails to start with the port’s error when the port is taken', async () => {
    const { receiver } = await startReceiver();
    const second = new FrontDoorReceiver({
      signingSecret: SECRET,
      environments: ENVIRONMENTS,
      logLevel: 'warn',
      maxInFlight: 1_000,
      work: new WorkTracker(() => {}),
      routes: [],
      logger: pino({ level: 'silent' }),
    });
    started.push(second);
    await expect(second.start(receiver.port ?? 0)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('stops: the port is closed and the thread has ended', async () => {
    const { receiver, url } = await startReceiver();
    const worker = receiver.worker;
    const ended = new Promise((resolve) => worker?.once('exit', resolve));
    await receiver.stop();
    await ended;
    expect(receiver.listening).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('FrontDoorReceiver with a thread started early (npm start starts it while the app loads)', () => {
  const settings = {
    signingSecret: SECRET,
    environments: ENVIRONMENTS,
    logLevel: 'warn' as const,
    maxInFlight: 1_000,
  };

  it('takes that thread over, opens it, and it takes requests', async () => {
    const thread = new FrontDoorThread(settings);
    const { receiver, events, url } = await startReceiver(thread);
    expect(receiver.worker).toBe(thread.worker);
    const ack = await postToSlackEndpoint(url, SECRET, slashCommandBody({ command: '/flow', text: 'help' }));
    expect(ack.status).toBe(200);
    await expect.poll(() => events.length).toBe(1);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('ends a thread started with other settings and starts its own', async () => {
    const other = new FrontDoorThread({ ...settings, signingSecret: 'another0secret0entirely0abcdefgh' });
    const ended = new Promise((resolve) => other.worker.once('exit', resolve));
    const { receiver, logs, url } = await startReceiver(other);
    await ended;
    expect(receiver.worker).not.toBe(other.worker);
    expect(logs.join('')).toContain('started early has other settings');
    // Its own thread checks signatures with the receiver's secret, not the other one.
    const ack = await postToSlackEndpoint(url, SECRET, slashCommandBody({ command: '/flow', text: 'help' }));
    expect(ack.status).toBe(200);
  });

  it('fails to start, saying why, when that thread ended before it was taken over', async () => {
    const thread = new FrontDoorThread(settings);
    await thread.worker.terminate();
    await expect(startReceiver(thread)).rejects.toThrow(/front door thread exited while starting/);
  });
});
