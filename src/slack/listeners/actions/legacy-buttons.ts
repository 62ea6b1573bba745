import type {
  AllMiddlewareArgs,
  InteractiveAction,
  InteractiveMessage,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import { NOTES } from '../../blocks/notes.js';
import { slackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import type { Click } from './button-args.js';
import { valueTarget } from './button-args.js';
import { resumeFromMessage } from './flow-resume.js';

export type LegacyButtonArgs = SlackActionMiddlewareArgs<InteractiveMessage<InteractiveAction>> &
  AllMiddlewareArgs;

/** `flow_resume` may carry a `#<n>` suffix, as in blocks. */
const RESUME_NAME = new RegExp(`^${ACTION_IDS.resume}(?:#\\d{1,3})?$`);

/**
 * Legacy interactive buttons (`attachments[].actions` with `name` and `value`, as Alertmanager's Slack
 * receiver posts them): their clicks arrive as `interactive_message` payloads, whatever `callback_id` the
 * sender chose. A `flow_resume` one resumes its `value` exactly as the block button does: the clicker is
 * authorized, concurrent clicks act once, and the message is rebuilt in place through the response_url
 * (`replace_original`, the sender's attachments kept without the button). Other `flow_` names are answered
 * that they did nothing; anything else is only acknowledged.
 */
export function legacyButtons(services: Services) {
  return async (args: LegacyButtonArgs): Promise<void> => {
    await args.ack();
    const { body } = args;
    const action = body.actions?.[0];
    const name = typeof action?.name === 'string' ? action.name : '';
    if (!name.startsWith('flow_')) return;
    const original = (body.original_message ?? undefined) as Record<string, unknown> | undefined;
    const click: Click = {
      userId: body.user.id,
      channelId: body.channel?.id,
      messageTs: body.message_ts ?? (typeof original?.ts === 'string' ? original.ts : undefined),
      // Slack sends the message back only when it is a channel message.
      isEphemeral: original === undefined,
      value: action?.type === 'button' && typeof action.value === 'string' ? action.value : '',
      actionTs: typeof body.action_ts === 'string' ? body.action_ts : undefined,
    };
    const request = slackRequest(services, {
      actorId: click.userId,
      body,
      channelId: click.channelId,
      source: 'button',
      respond: args.respond,
    });
    if (!RESUME_NAME.test(name)) {
      await request.tell(NOTES.unknownButton());
      return;
    }
    const target = await valueTarget(services, request, click.value, 'resume');
    if (!target) return;
    void request.run(() =>
      resumeFromMessage(services, request, target, click, {
        blocks: Array.isArray(original?.blocks) ? original.blocks : [],
        attachments: Array.isArray(original?.attachments) ? original.attachments : [],
        text: typeof original?.text === 'string' ? original.text : '',
      }),
    );
  };
}
