import type { Logger } from 'pino';
import type { StateStore } from '../core/store/state-store.js';
import { followUpRedirectNote } from './blocks/follow-ups.js';
import type { SlackMessage } from './blocks/types.js';
import type { PostResult, SlackNotifier } from './notifier.js';
import type { ResponseUrls } from './response-urls.js';

/** Channels that refused a later post, remembered (across replicas) so later work goes elsewhere at once. */
const REFUSING = 'channel-refuses';
const REFUSING_TTL_MS = 6 * 3_600_000;
/** What `conversations.info` said about a channel, kept this long on this replica. */
const CHECK_TTL_MS = 5 * 60_000;

/**
 * Slack's answers that mean the bot cannot post into a channel however often it tries: it is not a member
 * (a channel it was not invited to, a private channel or a Slack Connect channel it is not in), or it cannot
 * see the conversation at all (someone else's DM), or the channel is archived. Sources: the error lists of
 * `chat.postMessage` and `conversations.info` in Slack's API docs.
 */
const UNREACHABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

export type FollowUpPost =
  | (PostResult & { readonly via?: 'channel' | 'dm' })
  /** Privately to the person, in the conversation they asked from: no message to update later. */
  | { readonly kind: 'posted'; readonly via: 'response_url' };

export interface FollowUpOptions {
  /** The request the post follows up on: its response_url, while valid, reaches the person where they asked. */
  readonly requestId?: string | undefined;
  /** The post is updated in place later (a ramp's progress): it needs a message of its own, so no response_url. */
  readonly updatable?: boolean;
}

/**
 * Messages posted later for a person (the end of a timed pause, reminders, a ramp's progress, a bulk batch's
 * summary): into the channel where they asked when Flowbot can post there; else privately to them through
 * the original request's response_url while Slack still takes it (30 minutes, 5 posts, counted in the store),
 * which works even where the bot is not a member; else to that person by DM. A channel that refused once is
 * remembered, so later work never goes back into a channel that keeps refusing.
 */
export class FollowUps {
  private readonly checked = new Map<string, { at: number; postable: boolean | undefined }>();

  constructor(
    private readonly notifier: SlackNotifier,
    private readonly store: StateStore,
    private readonly responseUrls: ResponseUrls,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether Flowbot can post into `channel` later (without a response_url): true, false, or undefined when
   * Slack would not say (missing scope, rate limited) and the first later post will find out.
   */
  async canPostLater(channel: string): Promise<boolean | undefined> {
    if (await this.refusing(channel)) return false;
    const cached = this.checked.get(channel);
    if (cached && this.now() - cached.at < CHECK_TTL_MS) return cached.postable;
    const info = await this.notifier.conversation(channel);
    const postable =
      info.kind === 'found'
        ? !info.isArchived && (info.isIm || info.isMember)
        : UNREACHABLE.has(info.error)
          ? false
          : undefined;
    this.checked.set(channel, { at: this.now(), postable });
    return postable;
  }

  /**
   * Posts `message` into `channel` for `personId`; when the channel refuses (now or before), the message goes
   * to the person through the request's response_url while it is valid (see `FollowUpOptions`), else by DM
   * with a line saying where it could not be posted.
   */
  async post(
    channel: string,
    personId: string,
    message: SlackMessage,
    options: FollowUpOptions = {},
  ): Promise<FollowUpPost> {
    if (!(await this.refusing(channel))) {
      const posted = await this.notifier.post(channel, message);
      if (posted.kind === 'posted' || !UNREACHABLE.has(posted.error)) return { ...posted, via: 'channel' };
      await this.store.set(REFUSING, channel, posted.error, { ttlMs: REFUSING_TTL_MS });
      this.checked.set(channel, { at: this.now(), postable: false });
      this.logger.warn(
        { channel, reason: posted.error },
        'Slack refused a later post into the channel; follow-ups go to the person by DM',
      );
    }
    if (options.requestId !== undefined && !options.updatable) {
      const url = await this.responseUrls.take(options.requestId);
      if (url !== undefined && (await this.notifier.respond(url, message)).kind === 'posted')
        return { kind: 'posted', via: 'response_url' };
    }
    const dm = await this.notifier.openDm(personId);
    if (dm.kind === 'failed') return dm;
    const redirected: SlackMessage = {
      ...message,
      blocks: [...followUpRedirectNote(channel).blocks, ...message.blocks].slice(0, 50),
    };
    const posted = await this.notifier.post(dm.channel, redirected);
    return { ...posted, via: 'dm' };
  }

  private async refusing(channel: string): Promise<boolean> {
    return (await this.store.get<string>(REFUSING, channel)) !== undefined;
  }
}
