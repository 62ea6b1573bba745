import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { ALLOWED_USER, SIGNING_SECRET } from '../support/flowbot-harness.js';
import { type FlowbotProcess, spawnFlowbot } from '../support/flowbot-process.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';
import {
  REDIS_SERVER_ABSENT,
  type RedisServer,
  redisServerInstalled,
  startRedisServer,
} from '../support/redis-server.js';

const available = redisServerInstalled();
if (!available) console.warn(REDIS_SERVER_ABSENT);
const TOKEN = 'replica-alerts-token-0123456789';
const ALERTS = 'CSTORMREP1';
/** A second receiver's channel: the same keys alert into it too. */
const TEAM = 'CTEAMREP01';
/** Generous: replicas are processes of their own, and the machine may be busy. */
const SIGNAL = { timeout: 240_000, interval: 250 };
const TEST_MS = 900_000;

describe.skipIf(!available)('an alert storm across replicas sharing Redis', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let qstash: QStashEmulator;
  let replicas: FlowbotProcess[] = [];

  beforeAll(async () => {
    redis = (await startRedisServer())!;
    // Slack's real rate limits: a second roll-up or a message too many would show as more calls or 429s.
    slack = await startFakeSlack({ rateLimits: true });
    slack.setChannel(ALERTS);
    slack.setChannel(TEAM);
    qstash = await startQStashEmulator({ token: 'replica-qstash-token-0123456789' });
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), slack?.close(), qstash?.close()]);
  });
  afterEach(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited));
    replicas = [];
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
      ALERTS_TOKEN: TOKEN,
      ALERTS_CHANNEL: ALERTS,
    };
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => spawnFlowbot(`storm${i + 1}`, env)),
    );
    replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return replicas;
  }

  const alert = (replica: FlowbotProcess, key: string, channel?: string) =>
    fetch(`${replica.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ key, ...(channel ? { channel } : {}) }),
    }).then(async (response) => ({ status: response.status, body: JSON.parse(await response.text()) }));

  const topLevel = () => slack.messages(ALERTS).filter((message) => message.thread_ts === undefined);
  const visible = (keys: readonly string[]) => {
    const text = topLevel()
      .map((message) => JSON.stringify(message.blocks))
      .join('\n');
    return keys.filter((key) => new RegExp(`\\b${key}\\b`).test(text));
  };

  it(
    'alerts spread over two replicas make one roll-up per channel window, every key in it',
    async () => {
      const [a, b] = await startReplicas(2);
      const keys = Array.from({ length: 30 }, (_, i) => `rep-${String(i).padStart(2, '0')}`);
      for (const key of keys) qstash.setKey({ flowControlKey: key, isPaused: true });
      const answers = await Promise.all(keys.map((key, i) => alert(i % 2 === 0 ? a! : b!, key)));
      for (const answer of answers) expect([200, 202]).toContain(answer.status);
      await vi.waitFor(() => expect(visible(keys)).toHaveLength(30), SIGNAL);
      // Five living alerts and one roll-up, whichever replica took which alert.
      expect(topLevel()).toHaveLength(6);
      expect(
        topLevel().filter((m) => JSON.stringify(m.blocks).includes('flow_alert_rollup_head')),
      ).toHaveLength(1);
      expect(slack.ratelimited('chat.postMessage')).toBe(0);
    },
    TEST_MS,
  );

  it(
    'one key alerting into two channels through two replicas at once: one message in each, every alert counted',
    async () => {
      const [a, b] = await startReplicas(2);
      qstash.setKey({ flowControlKey: 'both-channels', isPaused: true });
      slack.clearCalls();
      // Each channel is sent by one replica at a time, but the two channels may be sent by different ones:
      // the key's lock keeps its incidents in both channels from overwriting each other.
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          alert(i % 4 < 2 ? a! : b!, 'both-channels', i % 2 === 0 ? ALERTS : TEAM),
        ),
      );
      for (const answer of answers) expect([200, 202]).toContain(answer.status);
      const living = (channel: string) =>
        slack
          .messages(channel)
          .filter((m) => m.thread_ts === undefined && JSON.stringify(m.blocks).includes('both-channels'));
      await vi.waitFor(() => {
        for (const channel of [ALERTS, TEAM]) {
          expect(living(channel)).toHaveLength(1);
          expect(JSON.stringify(living(channel)[0]!.blocks)).toContain('Seen 8 times');
        }
      }, SIGNAL);
      expect(slack.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === undefined)).toHaveLength(
        2,
      );
    },
    TEST_MS,
  );

  it(
    'a replica killed with alerts queued: the other one posts them',
    async () => {
      const [a, b] = await startReplicas(2);
      const keys = Array.from({ length: 8 }, (_, i) => `killed-${i}`);
      for (const key of keys) qstash.setKey({ flowControlKey: key, isPaused: true });
      slack.clearCalls();
      slack.failMethod('chat.postMessage', { kind: 'error', error: 'fatal_error' }, 10_000);
      const answers = await Promise.all(keys.map((key) => alert(a!, key)));
      for (const answer of answers) expect(answer).toMatchObject({ status: 202, body: { queued: 1 } });
      a!.kill('SIGKILL');
      await a!.exited;
      slack.clearFaults();
      await vi.waitFor(() => expect(visible(keys)).toHaveLength(8), SIGNAL);
      void b;
    },
    TEST_MS,
  );
});
