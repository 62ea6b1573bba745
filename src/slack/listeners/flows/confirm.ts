import type { KeyRef } from '../../../core/keys.js';
import { type Change, pendingChange } from '../../../core/operations/change.js';
import { confirmationMessage } from '../../blocks/confirmation.js';
import { NOTES } from '../../blocks/notes.js';
import { refusedMessage } from '../../blocks/outcome.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';

/**
 * Changes that can hurt (pause, pin, unpin, reset-rate, ramp) are shown first, privately, with the live state
 * and what will happen; only Confirm acts. Someone who may not take the action is told so instead of being
 * asked (core decides).
 */
export async function askToConfirm(
  services: Services,
  request: SlackRequest,
  target: KeyRef,
  change: Change,
): Promise<void> {
  const proposal = await services.operations.propose(request.change(target, change));
  switch (proposal.kind) {
    case 'refused':
      await request.tell(refusedMessage(proposal, services.naming));
      return;
    case 'failed':
      await request.tell(NOTES.proposalFailed(proposal.error, target));
      return;
    case 'proposed':
      await request.tell(
        confirmationMessage(
          pendingChange(target, change),
          proposal.state,
          proposal.confirmation.id,
          services.naming,
          Math.round(proposal.expiresInMs / 60_000),
          proposal.plan,
        ),
      );
      return;
  }
}
