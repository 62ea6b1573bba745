/**
 * The conversations of the fake workspace, and what Slack answers a bot that posts into each (with the
 * `chat:write` scope and without `chat:write.public`, as in Flowbot's manifest):
 * - a public channel (`C…`): fine while the bot is a member, `not_in_channel` otherwise;
 * - a private channel (`G…`, or `is_private`) the bot is not in, or a DM (`D…`) that is not the bot's own: the
 *   bot cannot see it, so `channel_not_found` (Slack does not say that the channel exists);
 * - an archived channel: `is_archived`;
 * - a Slack Connect channel (`is_ext_shared`) follows the same rules: the bot must have been added to it.
 * Channels nobody configured: `C…` is a public channel and `G…` a private one, both with the bot in them; a `D…`
 * is somebody else's DM until `conversations.open` (or `setChannel` with `is_im`) makes it the bot's own.
 * Something that isn't shaped like a Slack conversation ID (`C`/`G`/`D` + uppercase letters and digits, at most
 * 20 characters: a `#name`, lowercase, spaces, an endless string) is `channel_not_found`, as on Slack, even when
 * a test set it up.
 */

/** Slack's conversation IDs: about 9–12 characters today, so 20 leaves room to grow. */
// The lower bound is loose so short IDs in tests (`C1`) stay usable; the shape and the upper bound are Slack's.
const SLACK_CONVERSATION_ID = /^[CGD][A-Z0-9]{1,19}$/;

export interface ChannelInfo {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_member: boolean;
  is_archived: boolean;
  /** A Slack Connect channel, shared with another organisation. */
  is_ext_shared: boolean;
  /** For a DM: the person on the other side. */
  user?: string;
}

export interface ChannelSetup extends Partial<ChannelInfo> {
  /** People in the channel, for `chat.postEphemeral` (`user_not_in_channel`); unset means everyone. */
  members?: readonly string[];
}

/** What the bot wants to do in a channel. */
export type ChannelUse = 'read' | 'post' | 'ephemeral' | 'update';

export class SlackChannels {
  private readonly setups = new Map<string, ChannelSetup>();
  private imCounter = 0;

  set(id: string, setup: ChannelSetup = {}): void {
    this.setups.set(id, { ...setup });
  }

  /** The channel as conversations.info would show it, or undefined when the bot cannot see it at all. */
  info(id: string): ChannelInfo | undefined {
    if (!SLACK_CONVERSATION_ID.test(id)) return undefined;
    const setup = this.setups.get(id);
    if (setup === undefined && !/^[CG]/.test(id)) return undefined;
    const isIm = setup?.is_im ?? id.startsWith('D');
    const isMpim = setup?.is_mpim ?? false;
    const isPrivate = setup?.is_private ?? (isIm || isMpim || id.startsWith('G'));
    const { members: _members, ...fields } = setup ?? {};
    const info: ChannelInfo = {
      id,
      name: id.toLowerCase(),
      is_channel: !isPrivate,
      is_group: !isIm && !isMpim && isPrivate,
      is_im: isIm,
      is_mpim: isMpim,
      is_private: isPrivate,
      is_member: true,
      is_archived: false,
      is_ext_shared: false,
      ...fields,
    };
    if (info.is_private && !info.is_member) return undefined;
    return info;
  }

  /** Slack's error for this use of the channel, or undefined when Slack would let the bot do it. */
  refusal(id: string, use: ChannelUse, user?: string): string | undefined {
    const info = this.info(id);
    if (info === undefined) return 'channel_not_found';
    if (use === 'read') return undefined;
    if (info.is_archived) return 'is_archived';
    if (!info.is_member) return 'not_in_channel';
    const members = this.setups.get(id)?.members;
    if (use === 'ephemeral' && user !== undefined && members !== undefined && !members.includes(user))
      return 'user_not_in_channel';
    return undefined;
  }

  /** The bot's DM with `user`, opened if need be (what conversations.open does). */
  openIm(user: string): { channel: ChannelInfo; alreadyOpen: boolean } {
    for (const [id, setup] of this.setups) {
      if (setup.is_im && setup.user === user && setup.is_member !== false) {
        const channel = this.info(id);
        if (channel) return { channel, alreadyOpen: true };
      }
    }
    this.imCounter += 1;
    const id = `D0IM${String(this.imCounter).padStart(5, '0')}`;
    this.set(id, { is_im: true, is_member: true, user });
    return { channel: this.info(id) as ChannelInfo, alreadyOpen: false };
  }

  /** A group DM of the bot with these people. */
  openMpim(users: readonly string[]): ChannelInfo {
    this.imCounter += 1;
    const id = `G0MP${String(this.imCounter).padStart(5, '0')}`;
    this.set(id, { is_mpim: true, is_private: true, is_member: true, members: [...users] });
    return this.info(id) as ChannelInfo;
  }
}
