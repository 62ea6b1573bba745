import type { KeyRef } from '../../../core/keys.js';
import type { Change } from '../../../core/operations/change.js';
import type { Outcome } from '../../../core/operations/outcome.js';
import { approvalCard, approvalRequestedNote, approvalUnpostedNote } from '../../blocks/approval.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { followUpsByDmNote } from '../../blocks/follow-ups.js';
import {
  doneMessage,
  duplicateMessage,
  failedMessage,
  joinedMessage,
  refusedMessage,
} from '../../blocks/outcome.js';
import { rampUnpostedNote } from '../../blocks/ramp.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';

/** A change that acts at once (resume is the way out of an incident): asked of core, the outcome rendered. */
export async function changeNow(
  services: Services,
  request: SlackRequest,
  target: KeyRef,
  change: Change,
): Promise<void> {
  await settle(services, request, await services.operations.change(request.change(target, change)));
}

/**
 * Every change's outcome: public when something changed, private otherwise; a request that needs a second
 * person gets its approval card in the channel.
 */
export async function settle(services: Services, request: SlackRequest, outcome: Outcome): Promise<void> {
  switch (outcome.kind) {
    case 'done':
      // A ramp's public record is its progress message; the starter hears only if it could not be posted.
      if (outcome.action === 'ramp') {
        if (!outcome.ramp?.message) await request.tell(rampUnpostedNote());
        return;
      }
      // Carried out by another request's QStash call: its message tells the channel, naming this person too.
      if (outcome.joined !== undefined) {
        await request.tell(joinedMessage(outcome, services.naming));
        return;
      }
      await request.reply(doneMessage(outcome, services.naming), { visibility: 'in_channel' });
      // What a pause plans (its timed resume, reminders) is posted later, without a response_url.
      if (
        outcome.action === 'pause' &&
        request.channelId &&
        (await services.followUps.canPostLater(request.channelId)) === false
      )
        await request.tell(followUpsByDmNote());
      return;
    case 'refused':
      await request.tell(refusedMessage(outcome, services.naming));
      return;
    case 'duplicate':
      await request.tell(duplicateMessage(outcome, services.naming));
      return;
    case 'failed':
      await request.tell(failedMessage(outcome, services.naming));
      return;
    case 'needs_approval':
      await postApprovalCard(services, request, outcome);
      return;
  }
}

/**
 * The approval card goes to the channel (posted with the Web API so it can be updated later, even on expiry)
 * and the requester is told privately. A card that can't be posted drops the request: nobody could approve it.
 */
async function postApprovalCard(
  services: Services,
  request: SlackRequest,
  outcome: Extract<Outcome, { kind: 'needs_approval' }>,
): Promise<void> {
  const { approval } = outcome;
  const state = await services.operations.peek(outcome.target);
  const channel = approval.channelId ?? request.channelId ?? '';
  const posted = await services.notifier.post(
    channel,
    approvalCard(approval, state === 'not_found' ? undefined : state, services.naming, { kind: 'pending' }),
  );
  if (posted.kind === 'failed') {
    await services.operations.approvalCardFailed(approval);
    await request.tell(approvalUnpostedNote(posted.error));
    return;
  }
  await services.operations.approvalCardPosted(approval.id, { channel: posted.channel, ts: posted.ts });
  await request.tell(approvalRequestedNote(approval, services.naming));
}

/** A short private note. */
export function tell(request: SlackRequest, text: string): Promise<boolean> {
  return request.tell(noteMessage(text));
}
