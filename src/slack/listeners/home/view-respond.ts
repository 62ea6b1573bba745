import type { RespondFn } from '@slack/bolt';
import type { SlackMessage } from '../../blocks/types.js';
import { NoMessageToReplace } from '../../request.js';
import type { Services } from '../../services.js';

/**
 * `respond` for a click in the Home tab, which Slack sends without a response_url: what would be said privately
 * goes to the person's messages with Flowbot, what would be said to the channel is announced in
 * `ALERTS_CHANNEL` (or, without one, also to the person), and "replace the original" has nothing to replace
 * (the caller then updates what it can otherwise, e.g. an approval card through the Web API). Their Home is
 * published again afterwards.
 */
export function viewRespond(services: Services, userId: string): RespondFn {
  return async (message) => {
    const payload = typeof message === 'string' ? { text: message } : message;
    if (payload.replace_original || payload.delete_original) throw new NoMessageToReplace();
    const blocks =
      'blocks' in payload && Array.isArray(payload.blocks) ? (payload.blocks as SlackMessage['blocks']) : [];
    const slackMessage: SlackMessage = { text: String(payload.text ?? ''), blocks };
    const { announceChannel, homes } = services.surfaces;
    const channel = payload.response_type === 'in_channel' && announceChannel ? announceChannel : userId;
    const posted = await services.notifier.post(channel, slackMessage);
    homes.refresh(userId);
    // The notifier has logged why; the request's reply logs that the answer was lost.
    if (posted.kind === 'failed') throw new Error(posted.error);
    return new Response(null, { status: 200 });
  };
}
