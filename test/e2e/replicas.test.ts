import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { RedisStateStore } from '../../src/core/store/redis-store.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { ALLOWED_USER, CHANNEL, SIGNING_SECRET } from '../support/flowbot-harness.js';
import { type FlowbotProcess, spawnFlowbot } from '../support/flowbot-process.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';
import {
  REDIS_SERVER_ABSENT,
  type RedisServer,
  redisServerInstalled,
  startRedisServer,
} from '../support/redis-server.js';
import { buttons } from '../support/slack-flows.js';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

const available = redisServerInstalled();
/**
 * Upper bounds for signals that should come within seconds: generous, so that a busy machine is never mistaken
 * for a broken Flowbot. A test's own bound leaves room for its replicas to start (READY_TIMEOUT_MS).
 */
const SIGNAL_MS = 180_000;
const TEST_MS = 900_000;
if (!available) console.warn(REDIS_SERVER_ABSENT);

describe.skipIf(!available)('several replicas sharing Redis', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let qstash: QStashEmulator;
  let replicas: FlowbotProcess[] = [];

  beforeAll(async () => {
    redis = (await startRedisServer())!;
    slack = await startFakeSlack();
    slack.setChannel(CHANNEL);
    qstash = await startQStashEmulator({ token: 'replica-qstash-token-0123456789' });
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), slack?.close(), qstash?.close()]);
  });
  afterEach(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited));
    replicas = [];
    qstash.clearRequests();
    qstash.mutations.splice(0);
    await redis.restart();
  });

  async function startReplicas(count: number): Promise<FlowbotProcess[]> {
    const env = {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.tokens[0]!,
      FLOW_ALLOWED_USERS: ALLOWED_USER,
      REDIS_URL: redis.url,
    };
    // Every replica that started is kept for afterEach to stop, even when another failed to start.
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => spawnFlowbot(`replica${i + 1}`, env)),
    );
    replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return replicas;
  }

  const command = (replica: FlowbotProcess, text: string, responseUrl = slack.responseUrl()) =>
    postToSlackEndpoint(
      replica.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/flow',
        text,
        user_id: ALLOWED_USER,
        channel_id: CHANNEL,
        response_url: responseUrl,
      }),
    ).then((result) => ({ ...result, responseUrl }));
  const click = (
    replica: FlowbotProcess,
    actionId: string,
    value: string,
    responseUrl: string,
    messageTs = '1700000000.000100',
    isEphemeral = false,
  ) =>
    postToSlackEndpoint(
      replica.url,
      SIGNING_SECRET,
      blockActionsBody({
        userId: ALLOWED_USER,
        channelId: CHANNEL,
        actionId,
        value,
        responseUrl,
        messageTs,
        isEphemeral,
      }),
    );

  async function leader(): Promise<FlowbotProcess> {
    await expect
      .poll(
        () =>
          replicas.filter((r) => r.lines.some((l) => String(l.msg).includes('now runs the scheduler')))
            .length,
        { timeout: SIGNAL_MS },
      )
      .toBeGreaterThan(0);
    return replicas.find((r) => r.lines.some((l) => String(l.msg).includes('now runs the scheduler')))!;
  }

  it(
    'a double click landing on two replicas resumes once and updates once',
    async () => {
      const [a, b] = await startReplicas(3);
      qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 10 });
      qstash.latencyMs = 100;
      const responseUrl = slack.responseUrl();
      const [first, second] = await Promise.all([
        click(a!, 'flow_resume', 'orders', responseUrl),
        click(b!, 'flow_resume', 'orders', responseUrl),
      ]);
      qstash.latencyMs = 0;
      expect([first.status, second.status]).toEqual([200, 200]);
      await slack.waitForResponse(responseUrl, (body) => body.replace_original === true, SIGNAL_MS);
      await slack.waitForResponse(
        responseUrl,
        (body) => String(body.text).includes('already asked'),
        SIGNAL_MS,
      );
      expect(qstash.appliedMutations('orders', 'resume')).toBe(1);
      expect(slack.responses(responseUrl).filter((post) => post.body.replace_original === true)).toHaveLength(
        1,
      );
    },
    TEST_MS,
  );

  it(
    'a timed pause set up through one replica and confirmed on another fires once',
    async () => {
      const [a, b, c] = await startReplicas(3);
      qstash.setKey({ flowControlKey: 'emails', waitListSize: 3 });
      const ask = await command(a!, 'pause emails for 2s');
      const confirmation = await slack.waitForResponse(ask.responseUrl, undefined, SIGNAL_MS);
      const confirm = buttons(confirmation).find((button) => button.action_id === 'flow_confirm')!;
      await click(b!, 'flow_confirm', confirm.value, slack.responseUrl(), '1700000000.000200', true);
      await slack.waitForCall(
        'chat.postMessage',
        (call) => String(call.params.text).includes('Timed pause over'),
        SIGNAL_MS,
      );
      // The timer done with (gone from the shared store): nothing is left that could fire it again.
      const store = await RedisStateStore.connect(redis.url);
      try {
        await expect.poll(() => store.list<Timer>('timer'), { timeout: SIGNAL_MS }).toEqual([]);
      } finally {
        await store.close();
      }
      expect(
        slack
          .callsTo('chat.postMessage')
          .filter((call) => String(call.params.text).includes('Timed pause over')),
      ).toHaveLength(1);
      expect(qstash.appliedMutations('emails', 'resume')).toBe(1);
      expect(qstash.getKey('emails')?.isPaused).toBe(false);
      void c;
    },
    TEST_MS,
  );

  it(
    'the leader killed mid-ramp: another replica takes over and finishes without repeating a step',
    async () => {
      await startReplicas(3);
      qstash.setKey({
        flowControlKey: 'orders',
        isPaused: true,
        waitListSize: 5000,
        rateMax: 50,
        ratePeriod: 1,
      });
      const boss = await leader();
      const other = replicas.find((replica) => replica !== boss)!;
      const ask = await command(other, 'ramp orders over 20s');
      const confirmation = await slack.waitForResponse(ask.responseUrl, undefined, SIGNAL_MS);
      const confirm = buttons(confirmation).find((button) => button.action_id === 'flow_confirm')!;
      await click(other, 'flow_confirm', confirm.value, slack.responseUrl(), '1700000000.000300', true);
      const progress = await slack.waitForCall(
        'chat.postMessage',
        (call) => String(call.params.text).includes('Ramping up'),
        SIGNAL_MS,
      );
      const ts = String((progress.response as any).ts);
      // Let the leader take a step, then kill it without warning.
      await expect
        .poll(() => qstash.requests.filter((r) => r.route === 'pin').length, { timeout: SIGNAL_MS })
        .toBeGreaterThanOrEqual(2);
      boss.kill('SIGKILL');
      await boss.exited;
      const killedAt = Date.now();
      await expect
        .poll(() => JSON.stringify(slack.getMessage(CHANNEL, ts)?.blocks ?? ''), {
          timeout: 2 * SIGNAL_MS,
          interval: 200,
        })
        .toContain('Ramp finished');
      const takeover = replicas.find(
        (replica) =>
          replica !== boss && replica.lines.some((l) => String(l.msg).includes('now runs the scheduler')),
      )!;
      const electedAt = Number(
        takeover.lines.find((l) => String(l.msg).includes('now runs the scheduler'))!.time,
      );
      expect(electedAt - killedAt).toBeLessThanOrEqual(15_000);
      const pins = qstash.requests.filter((r) => r.route === 'pin').map((r) => r.query.rate);
      expect(pins).toEqual(['5', '16', '27', '38', '50']);
      expect(qstash.getKey('orders')).toMatchObject({ isPaused: false, isPinnedRate: false, rateMax: 50 });
    },
    TEST_MS,
  );

  it(
    'Redis lost while running: clear answers instead of unsafe actions, /readyz says so, and all recovers',
    async () => {
      const [a] = await startReplicas(2);
      qstash.setKey({ flowControlKey: 'orders', isPaused: true });
      redis.kill();
      await expect
        .poll(async () => (await fetch(`${a!.url}/readyz`)).status, { timeout: SIGNAL_MS })
        .toBe(503);
      const readyz = (await (await fetch(`${a!.url}/readyz`)).json()) as any;
      expect(readyz.checks.store).toBe('redis unreachable');
      const responseUrl = slack.responseUrl();
      const result = await click(a!, 'flow_resume', 'orders', responseUrl, '1700000000.000400');
      expect(result.status).toBe(200);
      const reply = await slack.waitForResponse(responseUrl, undefined, SIGNAL_MS);
      expect(String(reply.text)).toContain('can’t reach its shared state');
      expect(qstash.appliedMutations('orders', 'resume')).toBe(0);
      expect((await fetch(`${a!.url}/healthz`)).status).toBe(200);

      // Under load through the outage and the recovery: every request is acknowledged and answered.
      const load = Array.from({ length: 30 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 50));
        const target = replicas[i % replicas.length]!;
        const url = slack.responseUrl();
        const ack =
          i % 2 === 0
            ? await command(target, 'status orders', url)
            : await click(
                target,
                'flow_refresh',
                'orders',
                url,
                `1700000001.${String(i).padStart(6, '0')}`,
                true,
              );
        expect(ack.status).toBe(200);
        return slack.waitForResponse(url, undefined, SIGNAL_MS);
      });
      await redis.restart();
      const answers = await Promise.all(load);
      expect(answers).toHaveLength(30);
      await expect
        .poll(async () => (await fetch(`${a!.url}/readyz`)).json().then((body: any) => body.checks.store), {
          timeout: SIGNAL_MS,
        })
        .toBe('ok');
      const again = slack.responseUrl();
      await click(a!, 'flow_resume', 'orders', again, '1700000000.000500');
      await slack.waitForResponse(again, (body) => body.replace_original === true, SIGNAL_MS);
      expect(qstash.appliedMutations('orders', 'resume')).toBe(1);
    },
    TEST_MS,
  );

  it(
    'refuses to start when Redis is unreachable, saying so clearly',
    async () => {
      const env = {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        QSTASH_URL: qstash.url,
        QSTASH_TOKEN: qstash.tokens[0]!,
        REDIS_URL: 'redis://:secret-password@127.0.0.1:1',
      };
      await expect(spawnFlowbot('no-redis', env)).rejects.toThrow(
        /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(REDIS_URL\)/,
      );
    },
    TEST_MS,
  );
});
