import type { AllMiddlewareArgs, RespondFn, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { recordInvalidInput } from '../../../core/audit.js';
import { resolveKeyHandle } from '../../blocks/key-options.js';
import { problemMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply, resilientRespond, runForUser } from '../../context.js';
import { runFlowCommand } from '../commands/flow.js';
import { parseFlowControlForm } from './flow-control-form.js';
import { viewSubmissionAck } from './view-acks.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * A submitted Flow control modal: problems are shown beside the inputs (the modal stays open); otherwise it
 * closes and the request runs exactly as the `/flow` command would, in the chosen channel, with replies through
 * the response_url Slack gives for that channel.
 */
export function flowControlSubmission(context: ListenerContext) {
  return async ({ ack, body, view, respond }: Args): Promise<void> => {
    const userId = body.user.id;
    const answer = viewSubmissionAck(body as unknown as Record<string, unknown>, context.environments);
    await ack(answer);
    const parsed = parseFlowControlForm(view, context.environments);
    if (!parsed.ok) {
      recordInvalidInput(
        context.audit,
        { actor: userId, action: 'modal', channel: undefined, source: 'modal' },
        Object.values(parsed.errors).join(' '),
      );
      return;
    }
    const { form } = parsed;
    const replies = resilientRespond(context, respond ?? noResponseUrl, form.channelId, userId);
    void runForUser(context, replies, async () => {
      const target =
        form.key.kind === 'key'
          ? form.key.ref
          : resolveKeyHandle(
              form.key.handle,
              context.surfaces.catalog.all().map((entry) => entry.ref),
              context.naming,
            );
      if (!target) {
        await reply(
          context,
          replies,
          problemMessage(
            'That key is no longer in Flowbot’s list of keys. Open Flow control again and pick it anew.',
          ),
          { visibility: 'ephemeral' },
        );
        return;
      }
      await runFlowCommand(context, form.command(target), userId, form.channelId, replies, 'modal');
    });
  };
}

/** Slack sends a response_url for the chosen channel; without one, replies go through the Web API instead. */
const noResponseUrl: RespondFn = async () => {
  throw new Error('the submission came without a response_url');
};
