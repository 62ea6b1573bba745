import type { KnownBlock } from '@slack/types';
import type { FlowAction } from '../../core/access/types.js';
import type { BulkPreview } from '../../core/bulk/bulk-actions.js';
import {
  type BulkBatch,
  type BulkKey,
  type BulkKeyResult,
  bulkTotals,
  type PreviewKey,
} from '../../core/bulk/bulk-batch.js';
import { formatKeyPattern, type KeyPattern } from '../../core/bulk/key-pattern.js';
import type { Change, ChangeAction } from '../../core/operations/change.js';
import type { Refusal } from '../../core/operations/refusal.js';
import { ACTION_IDS } from './action-ids.js';
import { fitted } from './fit.js';
import { summarizeState } from './key-state.js';
import { code, escapeMrkdwn, formatCount, formatPeriod, mention, plural, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal } from './refusal.js';
import { explainSlackError } from './slack-error.js';
import type { SlackMessage } from './types.js';

/** Keys listed by name in a preview or a summary section; the rest are counted. */
export const LISTED_KEYS = 20;

const TITLE: Record<ChangeAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  ramp: 'Resume gradually (ramp)',
  pin: 'Pin',
  unpin: 'Unpin',
  'reset-rate': 'Reset the rate of',
};

const DOING: Record<ChangeAction, string> = {
  pause: 'pausing',
  resume: 'resuming',
  ramp: 'ramping up',
  pin: 'pinning',
  unpin: 'unpinning',
  'reset-rate': 'resetting the rate of',
};

const DID: Record<ChangeAction, string> = {
  pause: 'paused',
  resume: 'resumed',
  ramp: 'started ramps on',
  pin: 'pinned',
  unpin: 'unpinned',
  'reset-rate': 'reset the rate of',
};

const EMOJI: Record<ChangeAction, string> = {
  pause: ':double_vertical_bar:',
  resume: ':arrow_forward:',
  ramp: ':chart_with_upwards_trend:',
  pin: ':pushpin:',
  unpin: ':pushpin:',
  'reset-rate': ':arrows_counterclockwise:',
};

/** The pattern in a notification's plain text: escaped, so it can never ping or link. */
function plainPattern(pattern: KeyPattern, naming: KeyNaming): string {
  return escapeMrkdwn(formatKeyPattern(pattern, naming.environmentCount));
}

function patternLabel(pattern: KeyPattern, naming: KeyNaming): string {
  return code(formatKeyPattern(pattern, naming.environmentCount));
}

/** "in `prod`", "in every environment", or nothing with one environment. */
function where(pattern: KeyPattern, naming: KeyNaming): string {
  if (naming.environmentCount <= 1) return '';
  if (pattern.all) return ' in every environment';
  return ` in ${code(pattern.environments[0] ?? '')}`;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/** What else the change says: a pause's reason and length, a pin's settings. */
function changeDetail(change: Change): string {
  switch (change.action) {
    case 'pause': {
      const parts: string[] = [];
      if (change.forMs) parts.push(`for ${formatCount(Math.round(change.forMs / 60_000))} min`);
      if (change.reason) parts.push(`reason: ${escapeMrkdwn(change.reason)}`);
      return parts.length > 0 ? ` (${parts.join('; ')})` : '';
    }
    case 'pin': {
      const { parallelism, rate, period } = change.settings;
      const parts = [
        parallelism !== undefined ? `parallelism=${parallelism}` : '',
        rate !== undefined ? `rate=${rate}` : '',
        period !== undefined ? `period=${formatPeriod(period)}` : '',
      ].filter(Boolean);
      return ` (${parts.join(' ')})`;
    }
    case 'unpin':
      return change.settings.parallelism && change.settings.rate
        ? ' (parallelism and rate)'
        : change.settings.parallelism
          ? ' (parallelism)'
          : ' (rate)';
    default:
      return '';
  }
}

/** The lines of a key list, at most LISTED_KEYS, then how many more. */
export function listed<T>(items: readonly T[], line: (item: T) => string, more: string): string {
  const lines = items.slice(0, LISTED_KEYS).map(line);
  if (items.length > LISTED_KEYS) lines.push(`…and ${formatCount(items.length - LISTED_KEYS)} ${more}`);
  return lines.join('\n');
}

function shortRefusal(refusal: Refusal): string {
  switch (refusal.code) {
    case 'not_granted':
      return refusal.action === 'bulk'
        ? 'not allowed by pattern'
        : `not allowed (${escapeMrkdwn(refusal.action)})`;
    case 'approval_needs_channel':
      return 'needs approval, which needs a channel';
    case 'approval_unposted':
      return `needs approval, but Slack did not take the approval card here (${escapeMrkdwn(explainSlackError(refusal.error ?? 'unknown'))})`;
    case 'ramp_in_progress':
      return 'a ramp is already running';
    case 'rate_limited':
      return 'over the rate limit';
    default:
      return 'refused';
  }
}

function previewLine(key: PreviewKey, naming: KeyNaming): string {
  const verdict =
    key.verdict.kind === 'allowed'
      ? ''
      : key.verdict.kind === 'needs_approval'
        ? ' · :lock: needs approval'
        : ` · :no_entry: ${shortRefusal(key.verdict.refusal)}`;
  return `• ${keyLabel(key.target, naming)}: ${summarizeState(key.state)}${verdict}`;
}

/**
 * The private preview of a bulk request: how many keys match (of those the person may see), their state and
 * waitlists, which need approval or may not be changed, and Confirm / Cancel for the rest.
 */
export function bulkPreviewMessage(
  preview: Extract<BulkPreview, { kind: 'proposed' }>,
  pattern: KeyPattern,
  change: Change,
  naming: KeyNaming,
): SlackMessage {
  const { keys, proposal } = preview;
  const allowed = keys.filter((key) => key.verdict.kind === 'allowed').length;
  const approval = keys.filter((key) => key.verdict.kind === 'needs_approval');
  const refused = keys.filter((key) => key.verdict.kind === 'refused');
  const paused = keys.filter((key) => key.state.paused).length;
  const waiting = keys.reduce((sum, key) => sum + key.state.waitlistSize, 0);
  const headline = `*${TITLE[change.action]} every key matching ${patternLabel(pattern, naming)}${where(pattern, naming)}?*${changeDetail(change)}`;
  const counts = [
    `${plural(keys.length, 'key')} you may see match: ${formatCount(paused)} paused, ${plural(waiting, 'message')} waiting in total.`,
    allowed > 0 ? `${formatCount(allowed)} will change when you confirm.` : '',
    approval.length > 0
      ? `:lock: ${formatCount(approval.length)} need a second person’s approval (${escapeMrkdwn(approvalRule(approval))}): one approval card will ask for them.`
      : '',
    refused.length > 0 ? `:no_entry: ${formatCount(refused.length)} you may not change.` : '',
  ].filter(Boolean);
  const blocks: KnownBlock[] = [section(`${headline}\n${counts.join('\n')}`)];
  if (keys.length > 0) blocks.push(section(listed(keys, (key) => previewLine(key, naming), 'more')));
  const firstRefused = refused[0];
  if (firstRefused && firstRefused.verdict.kind === 'refused')
    blocks.push(context(`Why not: ${describeRefusal(firstRefused.verdict.refusal, change.action)}`));
  for (const { environment, error } of preview.unreadable)
    blocks.push(
      context(
        `:warning: Keys in ${code(environment)} could not be listed (${describeQStashError(error)}); they are not included.`,
      ),
    );
  const changeable = allowed + approval.length;
  if (proposal) {
    blocks.push({
      type: 'actions',
      block_id: 'flow_bulk_confirmation',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.bulkConfirm,
          text: { type: 'plain_text', text: `${TITLE[change.action]} ${plural(changeable, 'key')}` },
          style: change.action === 'pause' ? 'danger' : 'primary',
          value: proposal.id,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.bulkCancel,
          text: { type: 'plain_text', text: 'Cancel' },
          value: proposal.id,
        },
      ],
    });
    blocks.push(
      context(
        `Only you can see this. It expires in ${Math.round(preview.expiresInMs / 60_000)} minutes; nothing changes until you confirm. Each key is changed on its own, and the channel sees one summary.`,
      ),
    );
  } else {
    blocks.push(context('You may not change any of these keys, so there is nothing to confirm.'));
  }
  return fitted({
    text: `${TITLE[change.action]} ${plural(changeable, 'key')} matching ${plainPattern(pattern, naming)}? Confirm or cancel.`,
    blocks,
  });
}

function approvalRule(keys: readonly PreviewKey[]): string {
  const rules = new Set(
    keys.flatMap((key) => (key.verdict.kind === 'needs_approval' ? [key.verdict.rule] : [])),
  );
  return [...rules].join(', ');
}

/** A bulk request that shows no keys: nothing matched, nothing visible, too many, or QStash trouble. */
export function bulkNothingMessage(
  preview: Exclude<BulkPreview, { kind: 'proposed' }>,
  pattern: KeyPattern,
  change: Change,
  naming: KeyNaming,
): SlackMessage {
  const label = `${patternLabel(pattern, naming)}${where(pattern, naming)}`;
  let text: string;
  switch (preview.kind) {
    case 'no_match':
      text = `:mag: No key matches ${label}. Nothing was changed.`;
      break;
    case 'none_visible':
      text = `:mag: No keys you may see match ${label}. Nothing was changed.`;
      break;
    case 'failed':
      text = `:warning: Couldn’t list the keys matching ${label}: ${describeQStashError(preview.error)}. Nothing was changed.`;
      break;
    case 'too_many':
      text =
        preview.limit === 'ramps'
          ? `:no_entry: ${label} matches ${plural(preview.count, 'key')} you may ramp; one request ramps at most ${formatCount(preview.max)} (each ramp has its own progress message). Narrow the pattern. Nothing was changed.`
          : preview.limit === 'rate'
            ? `:no_entry: ${label} matches ${plural(preview.count, 'key')} you may ${TITLE[change.action].toLowerCase()}; a change by pattern counts one change per 25 keys against your rate limit (FLOW_RATE_LIMIT), so one request of yours may change at most ${plural(preview.max, 'key')}. Narrow the pattern. Nothing was changed.`
            : `:no_entry: ${label} matches ${plural(preview.count, 'key')} you may ${TITLE[change.action].toLowerCase()}; one bulk request of yours may change at most ${formatCount(preview.max)} (Flowbot’s access policy). Narrow the pattern. Nothing was changed.`;
      break;
  }
  for (const { environment, error } of 'unreadable' in preview ? preview.unreadable : [])
    text += `\n:warning: Keys in ${code(environment)} could not be listed (${describeQStashError(error)}).`;
  return fitted({ text, blocks: [section(text)] });
}

function resultTag(result: BulkKeyResult): string {
  switch (result.kind) {
    case 'done': {
      const approved = result.approvedBy ? ` (approved by ${mention(result.approvedBy)})` : '';
      const ramp = result.ramp ? ' · ramping, see its progress message' : '';
      const state =
        result.waitlist !== undefined
          ? ` · ${result.paused ? 'paused' : 'delivering'}, ${formatCount(result.waitlist)} waiting`
          : '';
      return `${state}${ramp}${approved}`;
    }
    case 'failed':
      return `: ${describeQStashError({ kind: result.error })}`;
    case 'refused':
      return `: ${shortRefusal(result.refusal)}`;
    case 'awaiting_approval':
      return ` (${escapeMrkdwn(result.rule)}, until ${slackDate(new Date(result.expiresAt))})`;
    case 'rejected':
      return ` by ${mention(result.by)}`;
    default:
      return '';
  }
}

function keysWith(batch: BulkBatch, kind: BulkKeyResult['kind']): BulkKey[] {
  return batch.keys.filter((key) => key.result.kind === kind);
}

/**
 * The one public message of a batch, redrawn as keys complete: who asked, what, totals, and each key that
 * failed, was refused or waits for approval (then the done ones), listed up to LISTED_KEYS per kind.
 */
export function bulkSummaryMessage(batch: BulkBatch, naming: KeyNaming): SlackMessage {
  const totals = bulkTotals(batch);
  const action = batch.change.action;
  const label = `${patternLabel(batch.pattern, naming)}${where(batch.pattern, naming)}`;
  const finished = totals.pending === 0;
  const headline = finished
    ? `${EMOJI[action]} ${mention(batch.actorId)} ${DID[action]} ${formatCount(totals.done)} of ${plural(batch.keys.length, 'key')} matching ${label}${changeDetail(batch.change)}.`
    : `:hourglass_flowing_sand: ${mention(batch.actorId)} is ${DOING[action]} ${plural(batch.keys.length, 'key')} matching ${label}${changeDetail(batch.change)}…`;
  const counts = [
    `*Done:* ${formatCount(totals.done)}`,
    `*Failed:* ${formatCount(totals.failed)}`,
    `*Refused:* ${formatCount(totals.refused)}`,
    totals.awaiting_approval > 0 ? `*Awaiting approval:* ${formatCount(totals.awaiting_approval)}` : '',
    totals.rejected > 0 ? `*Rejected:* ${formatCount(totals.rejected)}` : '',
    totals.expired > 0 ? `*Approval expired:* ${formatCount(totals.expired)}` : '',
    totals.pending > 0 ? `*To do:* ${formatCount(totals.pending)}` : '',
  ].filter(Boolean);
  const blocks: KnownBlock[] = [section(headline), context(counts.join(' · '))];
  const groups: [BulkKeyResult['kind'], string][] = [
    ['failed', ':warning: *Failed*'],
    ['refused', ':no_entry: *Refused*'],
    ['awaiting_approval', ':lock: *Awaiting approval*'],
    ['rejected', ':x: *Rejected*'],
    ['expired', ':hourglass: *Approval expired*'],
    ['done', ':white_check_mark: *Done*'],
  ];
  for (const [kind, title] of groups) {
    const keys = keysWith(batch, kind);
    if (keys.length === 0) continue;
    blocks.push(
      section(
        `${title}\n${listed(keys, (key) => `• ${keyLabel(key.target, naming)}${resultTag(key.result)}`, 'more')}`,
      ),
    );
  }
  if (totals.failed > 0 && finished)
    blocks.push(
      context(
        'Failed keys may or may not have changed: check them with `/flow status` or `/flow list` before trying again.',
      ),
    );
  return fitted({
    text: finished
      ? `${DID[action]} ${formatCount(totals.done)} of ${plural(batch.keys.length, 'key')} matching ${plainPattern(batch.pattern, naming)}`
      : `${DOING[action]} ${plural(batch.keys.length, 'key')} matching ${plainPattern(batch.pattern, naming)}`,
    blocks,
  });
}

/**
 * The batch's approval card: the keys waiting for a second person, and one Approve / Reject for all of them
 * (each key's own approval is decided, and checked, on its own).
 */
export function bulkApprovalCard(batch: BulkBatch, naming: KeyNaming): SlackMessage {
  const action = batch.change.action;
  const waiting = keysWith(batch, 'awaiting_approval');
  const label = `${patternLabel(batch.pattern, naming)}${where(batch.pattern, naming)}`;
  const decidedKeys = batch.keys.filter(
    (key) => key.result.kind !== 'awaiting_approval' && key.result.kind !== 'pending',
  );
  const rules = [
    ...new Set(waiting.flatMap((key) => (key.result.kind === 'awaiting_approval' ? [key.result.rule] : []))),
  ];
  const decision = batch.approval?.decision;
  const expired = keysWith(batch, 'expired');
  const headline =
    waiting.length > 0
      ? `:lock: ${mention(batch.actorId)} asks to ${TITLE[action].toLowerCase()} ${plural(waiting.length, 'key')} matching ${label}${changeDetail(batch.change)}. A second person must approve (${escapeMrkdwn(rules.join(', '))}).`
      : decision || expired.length === 0
        ? `:lock: ${mention(batch.actorId)}’s request to ${TITLE[action].toLowerCase()} keys matching ${label}: decided.`
        : `:hourglass: ${mention(batch.actorId)}’s request to ${TITLE[action].toLowerCase()} keys matching ${label}${changeDetail(batch.change)}: nobody approved it in time.`;
  const blocks: KnownBlock[] = [section(headline)];
  if (expired.length > 0)
    blocks.push(
      context(
        `:hourglass: Nobody approved ${plural(expired.length, 'key')} in time; ${expired.length === 1 ? 'it was' : 'they were'} not changed. Ask again with \`/flow\` if it is still needed.`,
      ),
    );
  if (waiting.length > 0)
    blocks.push(section(listed(waiting, (key) => `• ${keyLabel(key.target, naming)}`, 'more')));
  if (decision)
    blocks.push(
      context(
        `${decision.kind === 'approved' ? ':white_check_mark: Approved' : ':x: Rejected'} by ${mention(decision.by)}. ${formatCount(decidedKeys.filter((key) => key.result.kind === 'done' && key.result.approvedBy).length)} approved key(s) done; the summary has each key.`,
      ),
    );
  if (waiting.length > 0)
    blocks.push({
      type: 'actions',
      block_id: 'flow_bulk_approval',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.bulkApprove,
          text: { type: 'plain_text', text: `Approve ${plural(waiting.length, 'key')}` },
          style: 'primary',
          value: batch.id,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.bulkReject,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: batch.id,
        },
      ],
    });
  return fitted({
    text: `Approval needed: ${TITLE[action].toLowerCase()} ${plural(waiting.length, 'key')} matching ${plainPattern(batch.pattern, naming)}`,
    blocks,
  });
}

export const BULK_NOTES = {
  confirmed: (batch: BulkBatch) =>
    note(
      `Confirmed. Working on ${plural(batch.keys.length, 'key')}; the summary in the channel shows each one as it completes.`,
    ),
  gone: () => note('This was already confirmed, cancelled or has expired. Nothing was changed.'),
  notYours: () => note('Only the person who asked can confirm this.'),
  cancelled: () => note('Cancelled. Nothing was changed.'),
  nothingToCancel: () => note('Nothing to cancel: this was already confirmed, cancelled or has expired.'),
  refused: (refusal: Refusal, action: FlowAction) =>
    note(`:no_entry: ${describeRefusal(refusal, action)} Nothing was changed.`),
  decisionGone: () => note('There is nothing left to decide on this card.'),
  ownRequest: () =>
    note('You can’t approve your own request; someone else must. You may reject it to withdraw it.'),
  decisionRefused: (refusal: Refusal, naming: KeyNaming, target: BulkKey['target']) =>
    note(`:no_entry: You can’t approve ${keyLabel(target, naming)}. ${describeRefusal(refusal, 'approve')}`),
  partlyAllowed: (count: number) =>
    note(`${plural(count, 'key')} on this card you may not approve; they wait for someone who may.`),
  summaryUnposted: () =>
    note(
      ':warning: Slack did not take the summary message; the keys are being changed anyway. `/flow list` shows their state.',
    ),
};

function note(text: string): SlackMessage {
  return fitted({ text, blocks: [section(text)] });
}
