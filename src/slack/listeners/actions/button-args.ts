import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { recordInvalidInput } from '../../../core/audit.js';
import { type KeyRef, parseKeyRef } from '../../../core/keys.js';
import { describeKeyProblem } from '../../blocks/input-problems.js';
import { warningMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply } from '../../context.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export interface Click {
  readonly userId: string;
  readonly channelId: string | undefined;
  readonly messageTs: string | undefined;
  readonly isEphemeral: boolean;
  readonly value: string;
}

export function clickOf({ body, action }: ButtonArgs): Click {
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? body.container?.channel_id,
    messageTs: body.message?.ts ?? body.container?.message_ts,
    isEphemeral: body.container?.is_ephemeral === true || !body.message,
    value: typeof action.value === 'string' ? action.value : '',
  };
}

/**
 * The key a button names. Anyone can put a `flow_` button on a message, so its value is untrusted input:
 * a bad one is answered privately and audited, and nothing else happens.
 */
export async function buttonTarget(
  context: ListenerContext,
  args: ButtonArgs,
  action: string,
): Promise<KeyRef | undefined> {
  const click = clickOf(args);
  const parsed = parseKeyRef(click.value, context.environments.names, context.environments.defaultName);
  if (parsed.kind === 'ok') return parsed.ref;
  recordInvalidInput(
    context.audit,
    { actor: click.userId, action, channel: click.channelId, source: 'button' },
    parsed.problem.code,
  );
  const problem = `This button carries no usable key. ${describeKeyProblem(parsed.problem)}`;
  await reply(context, args.respond, warningMessage(problem), {
    visibility: 'ephemeral',
  });
  return undefined;
}
