import { isChannelId } from '../../core/channel-id.js';
import { noteMessage } from './confirmation.js';
import { fitted } from './fit.js';
import type { SlackMessage } from './types.js';

/** A channel ID as a link Slack draws; anything else (it came from a stored record) as plain words. */
function channelLink(channel: string): string {
  return isChannelId(channel) && !channel.startsWith('D') ? `<#${channel}>` : 'the channel';
}

/** Above a follow-up that came by DM: where it should have gone, and why it came here. */
export function followUpRedirectNote(channel: string): SlackMessage {
  const text = `Flowbot can’t post in ${channelLink(channel)} (it isn’t a member there, or can’t see it), so this comes to you here.`;
  return fitted({ text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] });
}

/**
 * Told at the time of a change whose follow-ups are posted later, when Flowbot cannot post in the channel: the
 * change happened; what comes later comes privately through the request's response_url while it is valid, then
 * by DM.
 */
export function followUpsByDmNote(): SlackMessage {
  return noteMessage(
    'Flowbot can’t post in this conversation on its own (it isn’t a member, or it is a DM or a channel it can’t see), so what comes later for this key (the timed resume, reminders) will come to you privately here while Slack allows (30 minutes after your request), then by DM. Invite `@Flowbot` to keep them in the conversation for everyone.',
  );
}
