import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { explainSlackError } from './blocks/slack-error.js';
import type { SlackMessage } from './blocks/types.js';
import { slackErrorCodeOf } from './slack-errors.js';

export type PostResult =
  | { readonly kind: 'posted'; readonly channel: string; readonly ts: string }
  /** `error`: the Slack error code (see `slackErrorCode`). */
  | { readonly kind: 'failed'; readonly error: string };

/**
 * Messages Flowbot posts and updates on its own (approval cards, timed resumes, reminders, alerts), through
 * the Web API. The WebClient retries 429s after Retry-After and 5xx with backoff; what still fails is
 * logged with a readable reason and returned, never thrown.
 */
export class SlackNotifier {
  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly onError: (method: string, error: string) => void = () => {},
  ) {}

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<PostResult> {
    try {
      const result = await this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return { kind: 'posted', channel: String(result.channel ?? channel), ts: String(result.ts ?? '') };
    } catch (error) {
      return { kind: 'failed', error: this.failure('chat.postMessage', channel, error) };
    }
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<PostResult> {
    try {
      const result = await this.client.chat.postEphemeral({
        channel,
        user,
        text: message.text,
        blocks: message.blocks,
      });
      return { kind: 'posted', channel, ts: String(result.message_ts ?? '') };
    } catch (error) {
      return { kind: 'failed', error: this.failure('chat.postEphemeral', channel, error) };
    }
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<PostResult> {
    try {
      await this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      return { kind: 'posted', channel, ts };
    } catch (error) {
      return { kind: 'failed', error: this.failure('chat.update', channel, error) };
    }
  }

  private failure(method: string, channel: string, error: unknown): string {
    const reason = slackErrorCodeOf(error);
    this.logger.warn(
      { method, channel, reason, detail: explainSlackError(reason) },
      `Slack ${method} failed: ${explainSlackError(reason)}`,
    );
    this.onError(method, reason);
    return reason;
  }
}
