import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { ALLOWED_USER, allText, CHANNEL, SIGNING_SECRET } from '../support/flowbot-harness.js';
import { READY_TIMEOUT_MS, spawnFlowbot } from '../support/flowbot-process.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

/**
 * The process as `npm start` runs it (front door thread included), with debug logging: a command through
 * the door to QStash and back, a forged one refused, the app's routes, and a clean stop, without a secret in
 * anything it printed.
 */
describe('Flowbot as a process', () => {
  let slack: FakeSlack;
  let qstash: QStashEmulator;

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.setChannel(CHANNEL);
    qstash = await startQStashEmulator({ token: 'process-qstash-token-0123456789' });
    qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 7 });
  });
  afterAll(async () => {
    await Promise.all([slack?.close(), qstash?.close()]);
  });

  it(
    'serves a command end to end, refuses a forged one, stops on SIGTERM, and prints no secret',
    async () => {
      const flowbot = await spawnFlowbot('process', {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        QSTASH_URL: qstash.url,
        QSTASH_TOKEN: qstash.tokens[0]!,
        FLOW_ALLOWED_USERS: ALLOWED_USER,
      });
      let stoppingFrom = 0;
      try {
        const responseUrl = slack.responseUrl();
        const body = slashCommandBody({
          command: '/flow-resume',
          text: 'orders-eu',
          user_id: ALLOWED_USER,
          channel_id: CHANNEL,
          response_url: responseUrl,
        });
        const ack = await postToSlackEndpoint(flowbot.url, SIGNING_SECRET, body);
        expect(ack.status).toBe(200);
        expect(ack.body).toContain('Resuming `orders-eu`');
        const reply = await slack.waitForResponse(responseUrl, undefined, 60_000);
        expect(allText(reply)).toContain(`<@${ALLOWED_USER}> resumed orders-eu`);
        expect(qstash.getKey('orders-eu')?.isPaused).toBe(false);

        const forged = await postToSlackEndpoint(flowbot.url, 'forged-signing-secret-0123456789ab', body);
        expect(forged.status).toBe(401);
        expect((await fetch(`${flowbot.url}/readyz`)).status).toBe(200);
        expect(await (await fetch(`${flowbot.url}/metrics`)).text()).toContain('flowbot_actions_total');
      } finally {
        stoppingFrom = flowbot.lines.length;
        flowbot.kill('SIGTERM');
      }
      expect(await flowbot.exited).toBe(0);
      // A normal stop is nothing to warn about (it used to say the replica "no longer runs the scheduler").
      const stopping = flowbot.lines.slice(stoppingFrom);
      expect(stopping.filter((line) => Number(line.level) >= 40)).toEqual([]);
      expect(stopping.map((line) => line.msg)).toContain('this replica hands the scheduler over: stopping');
      const output = flowbot.output();
      expect(output).toContain('Flowbot stopped');
      for (const secret of [SIGNING_SECRET, slack.botToken, qstash.tokens[0]!]) {
        expect(output).not.toContain(secret);
      }
    },
    READY_TIMEOUT_MS + 90_000,
  );
});
