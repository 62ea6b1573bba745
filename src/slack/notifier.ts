import type { WebClient } from '@slack/web-api';
import got, { HTTPError } from 'got';
import type { Logger } from 'pino';
import { outbound } from './blocks/outbound.js';
import { explainSlackError } from './blocks/slack-error.js';
import type { SlackMessage } from './blocks/types.js';
import { slackErrorCodeOf } from './slack-errors.js';

export type PostResult =
  | { readonly kind: 'posted'; readonly channel: string; readonly ts: string }
  /** `error`: the Slack error code (see `slackErrorCode`). */
  | { readonly kind: 'failed'; readonly error: string };

export type ConversationResult =
  | {
      readonly kind: 'found';
      readonly isMember: boolean;
      readonly isArchived: boolean;
      readonly isIm: boolean;
      /** A Slack Connect channel. */
      readonly isShared: boolean;
    }
  | { readonly kind: 'failed'; readonly error: string };

/**
 * Every message goes through `outbound` (the boundary where markup is made inert and texts fit) on its way.
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

  async post(channel: string, built: SlackMessage, threadTs?: string): Promise<PostResult> {
    const message = outbound(built);
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

  async postEphemeral(channel: string, user: string, built: SlackMessage): Promise<PostResult> {
    const message = outbound(built);
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

  async update(channel: string, ts: string, built: SlackMessage): Promise<PostResult> {
    const message = outbound(built);
    try {
      await this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      return { kind: 'posted', channel, ts };
    } catch (error) {
      return { kind: 'failed', error: this.failure('chat.update', channel, error) };
    }
  }

  /**
   * What Slack shows the bot of a conversation (`conversations.info`; scopes `channels:read`, `groups:read`,
   * `im:read`): a conversation it cannot see at all is `channel_not_found`.
   */
  async conversation(channel: string): Promise<ConversationResult> {
    try {
      const result = await this.client.conversations.info({ channel });
      const info = (result.channel ?? {}) as {
        is_member?: boolean;
        is_archived?: boolean;
        is_im?: boolean;
        is_ext_shared?: boolean;
      };
      return {
        kind: 'found',
        isMember: info.is_member !== false,
        isArchived: info.is_archived === true,
        isIm: info.is_im === true,
        isShared: info.is_ext_shared === true,
      };
    } catch (error) {
      return { kind: 'failed', error: this.failure('conversations.info', channel, error) };
    }
  }

  /** The bot's DM with `user` (`conversations.open`, scope `im:write`), opened if need be. */
  /**
   * Posts `message` privately to the person through a response_url (works where the bot is not a member).
   * `failed` with Slack's error text (`expired_url`, `used_url`…) or `unreachable`; the URL is never logged
   * (it lets anyone post as Flowbot for 30 minutes). Source: Slack's "Handling user interaction" docs.
   */
  async respond(
    url: string,
    built: SlackMessage,
  ): Promise<{ kind: 'posted' } | { kind: 'failed'; error: string }> {
    const message = outbound(built);
    try {
      await got.post(url, {
        json: {
          text: message.text,
          blocks: message.blocks,
          response_type: 'ephemeral',
          replace_original: false,
        },
        timeout: { request: 10_000 },
        retry: { limit: 0 },
      });
      return { kind: 'posted' };
    } catch (error) {
      const code = error instanceof HTTPError ? responseUrlError(String(error.response.body)) : 'unreachable';
      this.onError('response_url', code);
      this.logger.warn({ reason: code }, 'a later post through the response_url failed');
      return { kind: 'failed', error: code };
    }
  }

  async openDm(
    user: string,
  ): Promise<{ kind: 'opened'; channel: string } | { kind: 'failed'; error: string }> {
    try {
      const result = await this.client.conversations.open({ users: user });
      const id = (result.channel as { id?: string } | undefined)?.id;
      return id ? { kind: 'opened', channel: id } : { kind: 'failed', error: 'channel_not_found' };
    } catch (error) {
      return { kind: 'failed', error: this.failure('conversations.open', user, error) };
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

/** Slack's error code from a refused response_url post: a bare code (`used_url`) or `{"ok":false,"error":…}`. */
function responseUrlError(body: string): string {
  const text = body.trim().slice(0, 200);
  let code: unknown = text;
  try {
    code = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    // A bare code, as Slack answers most refusals.
  }
  return typeof code === 'string' && /^[a-z_]{1,60}$/.test(code) ? code : 'unreachable';
}
