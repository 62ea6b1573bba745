import type { KeyRef } from '../../../core/keys.js';
import { formatKeyRef } from '../../../core/keys.js';
import { resolvedAlertMessage } from '../../blocks/alert.js';
import { releasedByResume } from '../../blocks/key-state.js';
import { isLivingAlert } from '../../blocks/living-alert.js';
import { doneMessage, joinedMessage, noteFromOutcome } from '../../blocks/outcome.js';
import { isStatusCard, statusMessage } from '../../blocks/status.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { settle } from '../flows/settle.js';
import {
  type ButtonArgs,
  buttonTarget,
  type Click,
  clickOf,
  clickOnceId,
  clickRequest,
  type ShownMessage,
} from './button-args.js';

/** The message a Resume button was clicked on, as Slack sent it back with the click. */
export type ClickedMessage = ShownMessage;

/**
 * A Resume button on any message (Flowbot's alerts and cards, or another system's). The button is not a
 * credential: the person clicking is authorized again, and clicks on one rendering of a message resume once.
 */
export function flowResumeButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const target = await buttonTarget(services, request, args, 'resume');
    if (!target) return;
    const message = args.body.message;
    const clicked: ClickedMessage = {
      blocks: Array.isArray(message?.blocks) ? message.blocks : [],
      attachments: Array.isArray(message?.attachments) ? message.attachments : [],
      text: String(message?.text ?? ''),
    };
    // Taken out first: the work's closure must not hold Bolt's arguments (the whole payload, its clients)
    // while it waits on QStash.
    const click = clickOf(args);
    void request.run(() => resumeFromMessage(services, request, target, click, clicked));
  };
}

/**
 * Resumes `target` for the clicker and shows the outcome where the click came from: Flowbot's living alert is
 * redrawn by the alert desk, a card is refreshed for its owner, and another system's message is rebuilt in
 * place (its content kept, Flowbot's buttons gone, the outcome added). Shared by block buttons and legacy
 * interactive buttons (`interactive_message`).
 */
export async function resumeFromMessage(
  services: Services,
  request: SlackRequest,
  target: KeyRef,
  click: Click,
  clicked: ClickedMessage,
): Promise<void> {
  // Keyed by the message as it was shown, so a redrawn message's Resume works again (see clickOnceId).
  const onceId = clickOnceId(
    click,
    click.isEphemeral ? undefined : clicked,
    'resume',
    formatKeyRef(target, 2),
  );
  const outcome = await services.operations.change(
    request.change(target, { action: 'resume' }, onceId !== undefined ? { onceId } : {}),
  );
  if (outcome.kind !== 'done') {
    await settle(services, request, outcome);
    return;
  }
  const { blocks } = clicked;
  const ownAlert =
    click.channelId && click.messageTs && isLivingAlert(blocks)
      ? await services.desk.owns(click.channelId, click.messageTs)
      : false;
  // Flowbot's own living alerts and roll-ups are redrawn by the desk, which follows every change to the key.
  if (ownAlert) return;
  if (click.isEphemeral || isStatusCard(blocks)) {
    // A private card is refreshed for its owner; the change itself is announced to the channel.
    if (outcome.after)
      await request.tell(
        statusMessage(target, outcome.after, services.naming, { note: noteFromOutcome(outcome) }),
        { replaceOriginal: true },
      );
    // Carried out by another request's QStash call, whose message tells the channel, naming this person.
    if (outcome.joined !== undefined) await request.tell(joinedMessage(outcome, services.naming));
    else await request.reply(doneMessage(outcome, services.naming), { visibility: 'in_channel' });
    return;
  }
  const updated = resolvedAlertMessage(clicked, {
    actorId: click.userId,
    at: outcome.at,
    after: outcome.after,
    released: releasedByResume(outcome.before),
  });
  await request.reply(updated, { visibility: 'in_channel', replaceOriginal: true });
}
