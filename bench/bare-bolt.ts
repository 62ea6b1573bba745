import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, LogLevel } from '@slack/bolt';

/**
 * The baseline: Bolt in HTTP mode configured like Flowbot (same receiver, endpoint, signature checks, deferred
 * auth.test against the same fake Slack) with listeners that only acknowledge. Whatever Flowbot's ack latency
 * adds on top of this process is Flowbot's own cost.
 */

const env = process.env;
const port = Number(env.PORT ?? '0');

const app = new App({
  signingSecret: env.SLACK_SIGNING_SECRET ?? '',
  token: env.SLACK_BOT_TOKEN ?? '',
  clientOptions: { slackApiUrl: env.SLACK_API_URL ?? 'https://slack.com/api/' },
  deferInitialization: true,
  endpoints: '/slack/events',
  processBeforeResponse: false,
  port,
  logLevel: LogLevel.WARN,
  customRoutes: [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"status":"ok"}');
      },
    },
  ],
});

app.command('/flow-resume', async ({ ack }) => {
  await ack();
});
app.command('/flow', async ({ ack }) => {
  await ack();
});
app.action({ action_id: /^flow_/, type: 'block_actions' }, async ({ ack }) => {
  await ack();
});

const stop = () => {
  void app.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await app.init();
await app.start(port);
