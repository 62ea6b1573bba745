import { afterAll, beforeAll, describe } from 'vitest';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/flowbot-harness.js';
import {
  ALERTS_TOKEN,
  boundsLingering,
  type Case,
  closesGracefully,
  ROUTE_CASES,
  refusals,
  signedCommand,
} from '../support/keep-alive.js';
import { signSlackRequest, slashCommandBody } from '../support/slack-request.js';

/**
 * After an early refusal (413, 401, 400, 404) the connection is either kept usable (the rest of a bounded
 * body read and dropped) or closed properly (`Connection: close`, then a graceful close): the next
 * request, sent on the same keep-alive connection as a load balancer would, is served, and no client ever
 * sees a reset. In HTTP mode with and without the front door thread; Socket Mode's route server is tested
 * beside the other Socket Mode tests.
 */

const ALERTS = 'CALERTS01';

const SLACK_CASES: Case[] = [
  {
    name: 'a Slack request over Bolt’s 4 MB limit (413)',
    refused: {
      path: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.alloc(5 * 1024 * 1024, 'a'),
    },
    status: 413,
    connection: 'closed',
    next: signedCommand('help'),
  },
  {
    name: 'a Slack request with a forged signature (401)',
    refused: {
      ...signedCommand('help'),
      headers: { ...signedCommand('help').headers, 'x-slack-signature': 'v0=forged' },
      body: slashCommandBody({ text: 'x'.repeat(200_000) }),
    },
    status: 401,
    connection: 'kept',
    next: signedCommand('help'),
  },
  {
    name: 'a signed Slack request that is not JSON (400)',
    refused: (() => {
      const body = `payload=${encodeURIComponent(`{not json${'x'.repeat(50_000)}`)}`;
      return { path: '/slack/events', headers: { ...signSlackRequest(SIGNING_SECRET, body) }, body };
    })(),
    status: 400,
    connection: 'kept',
    next: signedCommand('help'),
  },
];

for (const frontDoor of [false, true]) {
  const door = frontDoor ? 'HTTP mode, front door thread' : 'HTTP mode, one thread';
  describe(door, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ frontDoor, env: { ALERTS_TOKEN, ALERTS_CHANNEL: ALERTS, LOG_LEVEL: 'warn' } });
      h.slack.setChannel(ALERTS);
      h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 3 });
    }, 30_000);
    afterAll(async () => {
      await h?.close();
    });
    // Behind the front door the routes are proxied to the app; Slack's requests are answered in the thread.
    refusals(door, SLACK_CASES, () => h.url);
    refusals(door, ROUTE_CASES, () => h.url, frontDoor);
    closesGracefully(door, () => h.url);
    boundsLingering(door, () => h.url);
  });
}
