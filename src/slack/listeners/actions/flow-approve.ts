import type { DecisionOutcome } from '../../../core/operations/approval-decisions.js';
import type { ApprovalRequest } from '../../../core/operations/approvals.js';
import { type ApprovalStage, approvalCard, approvalPostponedNote } from '../../blocks/approval.js';
import { NOTES } from '../../blocks/notes.js';
import { refusedMessage } from '../../blocks/outcome.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { type ButtonArgs, clickOf, clickRequest } from './button-args.js';

/** The card, redrawn in place at each step (through the Web API when the response_url is spent). */
async function redraw(
  services: Services,
  request: SlackRequest,
  approval: ApprovalRequest,
  stage: ApprovalStage,
): Promise<void> {
  const state = await services.operations.peek(approval.change.target);
  const card = approvalCard(approval, state === 'not_found' ? undefined : state, services.naming, stage);
  const updated = await request.reply(card, { visibility: 'in_channel', replaceOriginal: true });
  if (!updated && approval.message)
    await services.notifier.update(approval.message.channel, approval.message.ts, card);
}

/** Whatever core decided, shown: the card redrawn, or the clicker told privately. */
async function render(services: Services, request: SlackRequest, decided: DecisionOutcome): Promise<void> {
  switch (decided.kind) {
    case 'gone':
      await request.tell(NOTES.approvalGone());
      return;
    case 'own_request':
      await request.tell(NOTES.ownRequest());
      return;
    case 'refused':
      await request.tell(refusedMessage({ action: 'approve', ...decided }, services.naming));
      return;
    case 'postponed':
      await request.tell(approvalPostponedNote(decided.approval, decided.retryAfterMs));
      return;
    case 'approved':
      await redraw(services, request, decided.approval, {
        kind: 'approved',
        by: decided.by,
        outcome: decided.outcome,
      });
      return;
    case 'rejected':
      await redraw(services, request, decided.approval, { kind: 'rejected', by: decided.by });
      return;
    case 'withdrawn':
      await redraw(services, request, decided.approval, { kind: 'withdrawn' });
      return;
  }
}

/**
 * A decision on an approval card. Approve: someone other than the requester, allowed to `approve` on that key,
 * decides (core checks); the change then runs once, as the requester's, with the approver recorded. Reject:
 * anyone allowed to approve, or the requester withdrawing; nothing changes.
 */
function decisionButton(services: Services, decision: 'approve' | 'reject') {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const approvalId = clickOf(args).value;
    void request.run(async () =>
      render(services, request, await services.operations[decision]({ ...request.asking, approvalId })),
    );
  };
}

export const flowApproveButton = (services: Services) => decisionButton(services, 'approve');
export const flowRejectButton = (services: Services) => decisionButton(services, 'reject');
