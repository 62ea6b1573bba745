import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from '../test/support/qstash-emulator.js';
import type { DriverMessage, ReplyRecord, StandInsConfig, StandInsMessage } from './protocol.js';

/**
 * The QStash emulator and fake Slack in a process of their own: answering Flowbot's QStash calls and reply
 * posts then costs CPU here, not on the event loop that times the acks.
 */

const QSTASH_TOKEN = 'bench-qstash-token-0123456789';
const FLOW_CONTROL_ROUTE = /^\/v2\/flowControl(\/[^/]+(\/(pause|resume|pin|unpin|resetRate))?)?$/;

let qstash: QStashEmulator | undefined;
let slack: FakeSlack | undefined;
let replyCursor = 0;
let flusher: NodeJS.Timeout | undefined;

function send(message: StandInsMessage): void {
  process.send?.(message);
}

function flushReplies(): void {
  if (!slack) return;
  const posts = slack.responses();
  if (posts.length <= replyCursor) return;
  const replies: ReplyRecord[] = [];
  for (let i = replyCursor; i < posts.length; i++) {
    const post = posts[i]!;
    const text = typeof post.body.text === 'string' ? post.body.text : '';
    replies.push([
      post.id,
      post.time,
      post.status,
      !text.startsWith(':hourglass'),
      post.body.response_type === 'in_channel',
      text.slice(0, 80),
    ]);
  }
  replyCursor = posts.length;
  send({ type: 'replies', replies });
}

async function init(config: StandInsConfig): Promise<void> {
  qstash = await startQStashEmulator({ token: QSTASH_TOKEN, latencyMs: config.latencyMs });
  // Every benchmark request has its own response_url, made up by the load generator in its own process, and a
  // slow run may legitimately post more than once.
  slack = await startFakeSlack({ responseUrlLimit: 0, acceptUnissuedResponseUrls: true });
  for (const key of config.keys) qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 1_000 });
  for (const [group, members] of Object.entries(config.groups)) slack.setUserGroup(group, [...members]);
  flusher = setInterval(flushReplies, 100);
  send({
    type: 'ready',
    qstashUrl: qstash.url,
    qstashToken: QSTASH_TOKEN,
    slackUrl: slack.url,
    slackApiUrl: slack.apiUrl,
    botToken: slack.botToken,
  });
}

function stats(): void {
  const byRoute: Record<string, number> = {};
  const unexpected = new Set<string>();
  for (const request of qstash?.requests ?? []) {
    byRoute[request.route] = (byRoute[request.route] ?? 0) + 1;
    if (request.rawPath !== '/v2/globalParallelism' && !FLOW_CONTROL_ROUTE.test(request.rawPath)) {
      if (unexpected.size < 20) unexpected.add(request.rawPath);
    }
  }
  const slackCalls: Record<string, number> = {};
  for (const call of slack?.calls ?? []) slackCalls[call.method] = (slackCalls[call.method] ?? 0) + 1;
  send({
    type: 'qstash-stats',
    requests: qstash?.requests.length ?? 0,
    byRoute,
    unexpectedPaths: [...unexpected],
    slackCalls,
  });
}

async function close(): Promise<void> {
  if (flusher) clearInterval(flusher);
  flushReplies();
  await Promise.all([qstash?.close(), slack?.close()]);
  process.exit(0);
}

process.on('message', (message: DriverMessage) => {
  if (message.type === 'init') void init(message.config);
  else if (message.type === 'stats') stats();
  else if (message.type === 'close') void close();
});
// The driver is gone (crashed or killed): nothing left to serve.
process.on('disconnect', () => process.exit(0));
