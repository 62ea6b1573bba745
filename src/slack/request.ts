import { randomUUID } from 'node:crypto';
import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { KeyRef } from '../core/keys.js';
import type { Change, ChangeRequest, ReadRequest, Source } from '../core/operations/change.js';
import { StoreUnavailable } from '../core/store/state-store.js';
import { NOTES } from './blocks/notes.js';
import { outbound } from './blocks/outbound.js';
import type { SlackMessage } from './blocks/types.js';
import { foreignTeamOf, payloadTeam } from './installation.js';
import { responseUrlOf } from './response-urls.js';
import type { Services } from './services.js';

export type Visibility = 'in_channel' | 'ephemeral';

/**
 * A click in a view (the Home tab) has no message: "replace the original" has nothing to replace. Not a
 * failure: the caller updates what it can otherwise (an approval card through the Web API).
 */
export class NoMessageToReplace extends Error {
  override readonly name = 'NoMessageToReplace';
}

/**
 * One request from Slack, as the listeners see it: who asks, from where, what started it, how to answer, and
 * a logger bound to the request id that core's audit events carry too. Built once where the request enters.
 */
export interface SlackRequest {
  readonly requestId: string;
  readonly actorId: string;
  readonly channelId: string | undefined;
  readonly source: Source;
  readonly logger: Logger;
  /** Who asks, from where, for core's reads (and the base of its other requests). */
  readonly asking: ReadRequest;
  /** This person's change to a key, from here. */
  change(target: KeyRef, change: Change, options?: { readonly onceId?: string }): ChangeRequest;
  /**
   * Answers through `response_url` (falling back to the Web API when that fails). A failure is logged (the
   * person may not see it, so the log is the last record) and never thrown: the work behind it has happened.
   */
  reply(
    message: SlackMessage,
    options: { visibility: Visibility; replaceOriginal?: boolean },
  ): Promise<boolean>;
  /** A private answer. */
  tell(message: SlackMessage, options?: { replaceOriginal?: boolean }): Promise<boolean>;
  /**
   * Runs the work behind the request after the ack, tracked for graceful shutdown. Whatever goes wrong inside
   * still ends in a message to the person: shared state unreachable, or an unexpected error.
   */
  run(work: () => Promise<unknown>): Promise<void>;
}

/** Why a `respond` without a response_url fails: the request's answers go through the Web API instead. */
export class NoResponseUrl extends Error {
  override readonly name = 'NoResponseUrl';
}

/** `respond` for a request Slack sent no response_url with (a modal submitted without one). */
export const noResponseUrl: RespondFn = async () => {
  throw new NoResponseUrl();
};

export function slackRequest(
  services: Services,
  input: {
    readonly actorId: string;
    /** The payload Slack sent: it says which team the person belongs to. */
    readonly body: unknown;
    readonly channelId: string | undefined;
    readonly source: Source;
    readonly respond: RespondFn;
  },
): SlackRequest {
  const asking = askingOf(services, input);
  const { requestId, foreignTeam } = asking;
  // Only what later needs: closures that held `input` would keep the whole payload alive while QStash answers.
  const { actorId, source } = input;
  // Made on first use: most requests never log, and thousands may be waiting on QStash at once, each of
  // which would otherwise hold a logger of its own (a pino child and its serialized bindings).
  let bound: Logger | undefined;
  const logger = (): Logger => {
    bound ??= services.logger.child({
      requestId,
      actor: actorId,
      source,
      ...(foreignTeam !== undefined ? { foreignTeam } : {}),
    });
    return bound;
  };
  const respond = resilientRespond(services, logger, input.respond, input.channelId, input.actorId);
  // Kept for posts made later for this request (a timed pause's end, reminders) where Flowbot can't post.
  const responseUrl = responseUrlOf(input.body);
  if (responseUrl !== undefined)
    void services.responseUrls.remember(requestId, responseUrl).catch((error: unknown) => {
      logger().warn({ err: error }, 'could not keep the response_url for later posts');
    });
  const reply: SlackRequest['reply'] = async (built, options) => {
    const message = outbound(built);
    const payload: RespondArguments = {
      text: message.text,
      blocks: message.blocks,
      ...(message.attachments ? { attachments: message.attachments } : {}),
      response_type: options.visibility,
      replace_original: options.replaceOriginal ?? false,
    };
    try {
      // Counted before it is sent: a later post must never take a post Slack would refuse.
      if (responseUrl !== undefined) await services.responseUrls.used(requestId).catch(() => undefined);
      await respond(payload);
      return true;
    } catch (error) {
      if (error instanceof NoMessageToReplace) return false;
      services.onSlackError?.('response_url', 'failed');
      logger().error(
        { err: error, visibility: options.visibility, reply: message.text.slice(0, 200) },
        'could not deliver a reply through response_url',
      );
      return false;
    }
  };
  return {
    ...asking,
    get logger() {
      return logger();
    },
    asking,
    change: (target, change, options = {}) => ({
      ...asking,
      target,
      change,
      ...(options.onceId !== undefined ? { onceId: options.onceId } : {}),
    }),
    reply,
    tell: (message, options = {}) => reply(message, { visibility: 'ephemeral', ...options }),
    run: (work) =>
      services.work.run(async () => {
        try {
          await work();
        } catch (error) {
          const stateDown = error instanceof StoreUnavailable;
          logger().error(
            { err: error },
            stateDown ? 'shared state unavailable' : 'a Slack request failed unexpectedly',
          );
          await reply(stateDown ? NOTES.stateUnavailable() : NOTES.unexpected(), { visibility: 'ephemeral' });
        }
      }),
  };
}

/**
 * Who asks, from where, with a new request id: the person's team is read from the payload Slack sent (see
 * `payloadTeam`) and kept only when it is not Flowbot's own. For ways in that need no `SlackRequest` (the
 * Home tab, the key picker, opening the modal).
 */
export function askingOf(
  services: Services,
  input: {
    readonly actorId: string;
    readonly body: unknown;
    readonly channelId: string | undefined;
    readonly source: Source;
  },
): ReadRequest {
  const foreignTeam = foreignTeamOf(services.installation, payloadTeam(input.body));
  return {
    requestId: randomUUID(),
    actorId: input.actorId,
    ...(foreignTeam !== undefined ? { foreignTeam } : {}),
    channelId: input.channelId,
    source: input.source,
  };
}

/**
 * `respond`, with a second way out: when the response_url fails (expired, used up, Slack trouble there), the
 * message goes through the Web API instead (privately with chat.postEphemeral, publicly with
 * chat.postMessage), so the person still hears the outcome. Updates in place have no such fallback.
 */
function resilientRespond(
  services: Services,
  logger: () => Logger,
  respond: RespondFn,
  channel: string | undefined,
  user: string | undefined,
): RespondFn {
  return async (message) => {
    try {
      return await respond(message);
    } catch (error) {
      const payload = typeof message === 'string' ? { text: message } : message;
      if (!channel || payload.replace_original || payload.delete_original) throw error;
      const blocks =
        'blocks' in payload && Array.isArray(payload.blocks)
          ? (payload.blocks as SlackMessage['blocks'])
          : [];
      const fallback = { text: String(payload.text ?? ''), blocks };
      logger().warn({ err: error, channel }, 'response_url failed; answering through the Web API instead');
      const posted =
        payload.response_type === 'in_channel'
          ? await services.notifier.post(channel, fallback)
          : user
            ? await services.notifier.postEphemeral(channel, user, fallback)
            : { kind: 'failed' as const, error: 'no user' };
      if (posted.kind === 'failed') throw error;
      return new Response(null, { status: 200 });
    }
  };
}
