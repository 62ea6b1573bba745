import { createHash } from 'node:crypto';
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { type KeyRef, parseKeyRef } from '../../../core/keys.js';
import type { Source } from '../../../core/operations/change.js';
import { NOTES } from '../../blocks/notes.js';
import { type SlackRequest, slackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { viewRespond } from '../home/view-respond.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** The message a button was clicked on, as Slack sent it back with the click. */
export interface ShownMessage {
  readonly blocks: readonly unknown[];
  readonly attachments: readonly unknown[];
  readonly text: string;
}

export interface Click {
  readonly userId: string;
  readonly channelId: string | undefined;
  readonly messageTs: string | undefined;
  readonly isEphemeral: boolean;
  readonly value: string;
  /** Slack's time of this click (`action_ts`): the same for a retried delivery, different for each click. */
  readonly actionTs: string | undefined;
}

export function clickOf({ body, action }: ButtonArgs): Click {
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? body.container?.channel_id,
    messageTs: body.message?.ts ?? body.container?.message_ts,
    isEphemeral: body.container?.is_ephemeral === true || !body.message,
    value: typeof action.value === 'string' ? action.value : '',
    actionTs: typeof action.action_ts === 'string' ? action.action_ts : undefined,
  };
}

/**
 * The once-id of a click that changes a key from a message: clicks on the message as the person saw it (the
 * same rendering of its blocks: a double click, two people at once, Slack delivering the click again) share
 * it and act once; a redrawn message (a living alert that fires again, a card refreshed, a sender's update)
 * is a new version with a new id, so the record never blocks the next legitimate action. A click with no
 * message in its payload (ephemeral cards) is told apart by its `action_ts`. Undefined without a message ts.
 * `message` is the message as Slack sent it back with the click (undefined for ephemeral cards).
 */
export function clickOnceId(
  click: Click,
  message: ShownMessage | undefined,
  action: string,
  target: string,
): string | undefined {
  if (!click.messageTs) return undefined;
  const version = message
    ? createHash('sha256')
        .update(JSON.stringify([message.blocks, message.attachments, message.text]))
        .digest('base64url')
        .slice(0, 22)
    : `click:${click.actionTs ?? 'unknown'}`;
  return `click:${click.channelId}:${click.messageTs}:${version}:${action}:${target}`;
}

/**
 * The click as one request: the clicker, where, and how to answer them. A click on the Home tab (a view, with
 * no response_url) has source `home` and is answered through the Web API instead (`viewRespond`).
 */
export function clickRequest(services: Services, args: ButtonArgs, source: Source = 'button'): SlackRequest {
  const click = clickOf(args);
  const inView = args.body.container?.type === 'view';
  return slackRequest(services, {
    actorId: click.userId,
    body: args.body,
    channelId: click.channelId,
    source: inView && source === 'button' ? 'home' : source,
    respond: inView ? viewRespond(services, click.userId) : args.respond,
  });
}

/**
 * The key a button names. Anyone can put a `flow_` button on a message, so its value is untrusted input:
 * a bad one is answered privately and audited (by core), and nothing else happens.
 */
export async function buttonTarget(
  services: Services,
  request: SlackRequest,
  args: ButtonArgs,
  action: string,
): Promise<KeyRef | undefined> {
  return valueTarget(services, request, clickOf(args).value, action);
}

/** `buttonTarget` for a button value however it arrived (a legacy interactive button's `value` too). */
export async function valueTarget(
  services: Services,
  request: SlackRequest,
  value: string,
  action: string,
): Promise<KeyRef | undefined> {
  const parsed = parseKeyRef(value, services.environments.names, services.environments.defaultName);
  if (parsed.kind === 'ok') return parsed.ref;
  services.operations.recordInvalid({ ...request.asking, action, problem: parsed.problem.code });
  await request.tell(NOTES.unusableKey(parsed.problem));
  return undefined;
}
