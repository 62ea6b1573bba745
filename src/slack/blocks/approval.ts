import type { KnownBlock } from '@slack/types';
import type { ApprovalRequest } from '../../core/operations/approvals.js';
import type { Outcome } from '../../core/operations/outcome.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { ACTION_IDS } from './action-ids.js';
import { consequence, noteMessage } from './confirmation.js';
import { fitted } from './fit.js';
import { summarizeState } from './key-state.js';
import { escapeMrkdwn, mention, slackDate } from './mrkdwn.js';
import { actionVerb, type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal, waitWords } from './refusal.js';
import { explainSlackError } from './slack-error.js';
import type { SlackMessage } from './types.js';

export type ApprovalStage =
  | { readonly kind: 'pending' }
  | { readonly kind: 'approved'; readonly by: string; readonly outcome: Outcome }
  | { readonly kind: 'rejected'; readonly by: string }
  | { readonly kind: 'withdrawn' }
  | { readonly kind: 'expired' };

/** The approval card in the channel, redrawn in place at each step: requested → approved/rejected/expired. */
export function approvalCard(
  request: ApprovalRequest,
  state: FlowKeyState | undefined,
  naming: KeyNaming,
  stage: ApprovalStage,
): SlackMessage {
  const key = keyLabel(request.change.target, naming);
  const verb = actionVerb(request.change.action);
  const reason =
    request.change.action === 'pause' && request.change.reason
      ? `\n*Reason:* ${escapeMrkdwn(request.change.reason)}`
      : '';
  const ask = `:lock: ${mention(request.requesterId)} asks to *${verb}* ${key}. This key needs a second person’s approval.${reason}\n${consequence(request.change)}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: ask } }];
  if (state)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `*When asked:* ${summarizeState(state)}` }],
    });
  let status: string;
  switch (stage.kind) {
    case 'pending':
      status = `Waiting for approval; expires ${slackDate(new Date(request.expiresAt))}. Anyone allowed to approve, except the requester, can decide.`;
      break;
    case 'approved':
      status = approvedLine(stage.by, stage.outcome);
      break;
    case 'rejected':
      status = `:x: Rejected by ${mention(stage.by)}. Nothing was changed.`;
      break;
    case 'withdrawn':
      status = ':leftwards_arrow_with_hook: Withdrawn by the requester. Nothing was changed.';
      break;
    case 'expired':
      status = ':hourglass: Expired without a decision. Nothing was changed.';
      break;
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status } });
  if (stage.kind === 'pending') {
    blocks.push(approvalButtons(request.id, 'flow_approval'));
  }
  return fitted({ text: `Approval needed: ${verb} ${escapeMrkdwn(request.change.target.key)}`, blocks });
}

function approvedLine(by: string, outcome: Outcome): string {
  const approved = `:white_check_mark: Approved by ${mention(by)}`;
  switch (outcome.kind) {
    case 'done':
      return `${approved} and done ${slackDate(outcome.at)}.${outcome.after ? ` Now: ${summarizeState(outcome.after)}` : ''}`;
    case 'failed':
      return `${approved}, but it failed: ${describeQStashError(outcome.error)}.`;
    case 'refused':
      return `${approved}, but it was not carried out: ${describeRefusal(outcome.refusal, outcome.action)}`;
    default:
      return `${approved}.`;
  }
}

/** Told to the requester: the card is in the channel, and when it expires. */
/**
 * Approve and Reject for one request: the same action ids wherever they are shown (the approval card, the
 * Home tab), so the same handlers decide it. `blockId` tells the places apart.
 */
export function approvalButtons(requestId: string, blockId: string): KnownBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      {
        type: 'button',
        action_id: ACTION_IDS.approve,
        style: 'primary',
        text: { type: 'plain_text', text: 'Approve' },
        value: requestId,
      },
      {
        type: 'button',
        action_id: ACTION_IDS.reject,
        style: 'danger',
        text: { type: 'plain_text', text: 'Reject' },
        value: requestId,
      },
    ],
  };
}

export function approvalRequestedNote(request: ApprovalRequest, naming: KeyNaming): SlackMessage {
  const minutes = Math.round((request.expiresAt - request.createdAt) / 60_000);
  return noteMessage(
    `:lock: ${keyLabel(request.change.target, naming)} needs a second person’s approval. I posted your request in the channel; it expires in ${minutes} minutes.`,
  );
}

/** Told to the requester when the card could not be posted (`error`: the Slack error code). */
export function approvalUnpostedNote(error: string): SlackMessage {
  return noteMessage(
    `:warning: This change needs approval, but the approval card could not be posted: ${escapeMrkdwn(explainSlackError(error))}. Nothing was changed.`,
  );
}

/** Told to an approver whose approval could not run yet: the requester is over the rate limit. */
export function approvalPostponedNote(request: ApprovalRequest, retryAfterMs: number): SlackMessage {
  return noteMessage(
    `:hourglass_flowing_sand: Not carried out yet: ${mention(request.requesterId)} has made as many changes as Flowbot allows one person in a short time. The request stays open; approve it again in ${waitWords(retryAfterMs)}.`,
  );
}
