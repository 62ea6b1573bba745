import { parseArgs } from 'node:util';
import { WebClient } from '@slack/web-api';
import type { Config } from '../config/config.js';
import { isChannelId } from '../core/channel-id.js';
import { parseKeyRef } from '../core/keys.js';
import { QStashEnvironments } from '../core/qstash/environments.js';
import type { FlowKeyState } from '../core/qstash/types.js';
import { alertMessage } from '../slack/blocks/alert.js';
import { describeKeyProblemPlain } from '../slack/blocks/input-problems.js';
import { outbound } from '../slack/blocks/outbound.js';
import { slackErrorCodeOf } from '../slack/slack-errors.js';

export const POST_ALERT_USAGE = `Usage: npm run alert -- --channel <channel ID> --key <key> [--title <text>] [--text <text>]

Posts an alert with a Resume button that Flowbot handles, as Flowbot's bot user (invite it to the channel).
  --channel   Slack channel ID, e.g. C0123456789
  --key       flow-control key; <environment>:<key> when several environments are configured
  --title     headline (default: "Flow-control key <key> needs attention")
  --text      more detail, shown under the title`;

export type PostAlertResult =
  | { readonly kind: 'posted'; readonly channel: string; readonly ts: string }
  | { readonly kind: 'failed'; readonly problem: string };

/** Reads the command line, looks up the key's live state (best effort) and posts the alert. */
export async function postAlert(argv: readonly string[], config: Config): Promise<PostAlertResult> {
  let values: { channel?: string; key?: string; title?: string; text?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        channel: { type: 'string' },
        key: { type: 'string' },
        title: { type: 'string' },
        text: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    return { kind: 'failed', problem: `${(error as Error).message}\n\n${POST_ALERT_USAGE}` };
  }
  if (!values.channel || !isChannelId(values.channel)) {
    return { kind: 'failed', problem: `--channel must be a Slack channel ID (C…).\n\n${POST_ALERT_USAGE}` };
  }
  if (!values.key) return { kind: 'failed', problem: `--key is required.\n\n${POST_ALERT_USAGE}` };
  const environments = new QStashEnvironments(config.qstash.environments, { totalTimeoutMs: 5_000 });
  const parsed = parseKeyRef(values.key, environments.names, environments.defaultName);
  if (parsed.kind === 'invalid') return { kind: 'failed', problem: describeKeyProblemPlain(parsed.problem) };

  let state: FlowKeyState | undefined;
  try {
    state = await environments.client(parsed.ref.environment).get(parsed.ref.key);
  } catch {
    // The alert matters more than the detail: post it without the live state.
  }
  const message = outbound(
    alertMessage(
      {
        target: parsed.ref,
        ...(values.title ? { title: values.title } : {}),
        ...(values.text ? { text: values.text } : {}),
        ...(state ? { state } : {}),
      },
      { environmentCount: environments.count },
    ),
  );
  const client = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 2 },
  });
  try {
    const result = await client.chat.postMessage({
      channel: values.channel,
      text: message.text,
      blocks: message.blocks,
    });
    return { kind: 'posted', channel: String(result.channel ?? values.channel), ts: String(result.ts ?? '') };
  } catch (error) {
    const code = slackErrorCodeOf(error);
    const hint = code === 'not_in_channel' ? ' Invite Flowbot to the channel first (/invite @Flowbot).' : '';
    return { kind: 'failed', problem: `Slack refused the message (${code}).${hint}` };
  }
}
