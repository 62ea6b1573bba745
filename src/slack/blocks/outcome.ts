import type { KnownBlock } from '@slack/types';
import type { FlowAction } from '../../core/access/types.js';
import { formatKeyRef, type KeyRef } from '../../core/keys.js';
import type { Outcome } from '../../core/operations/outcome.js';
import type { Refusal } from '../../core/operations/refusal.js';
import { changeCertainlyNotApplied } from '../../core/qstash/errors.js';
import { fitted } from './fit.js';
import { releasedByResume, summarizeState } from './key-state.js';
import { code, escapeMrkdwn, mention, slackDate } from './mrkdwn.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal, overloadedWords } from './refusal.js';
import type { SlackMessage } from './types.js';

/** How keys are written in messages: with the environment once there is more than one. */
export interface KeyNaming {
  readonly environmentCount: number;
}

export function keyLabel(target: KeyRef, naming: KeyNaming): string {
  return code(formatKeyRef(target, naming.environmentCount));
}

const PAST_TENSE: Record<FlowAction, string> = {
  status: 'checked',
  list: 'listed',
  pause: 'paused',
  resume: 'resumed',
  pin: 'pinned',
  unpin: 'unpinned',
  'reset-rate': 'reset the rate of',
  approve: 'approved',
  ramp: 'started a ramp on',
  bulk: 'acted on every key matching',
};

const VERB: Record<FlowAction, string> = {
  status: 'check',
  list: 'list',
  pause: 'pause',
  resume: 'resume',
  pin: 'pin',
  unpin: 'unpin',
  'reset-rate': 'reset the rate of',
  approve: 'approve',
  ramp: 'ramp',
  bulk: 'act on every key matching',
};

const EMOJI: Partial<Record<FlowAction, string>> = {
  pause: ':double_vertical_bar:',
  resume: ':arrow_forward:',
  pin: ':pushpin:',
  unpin: ':pushpin:',
  'reset-rate': ':arrows_counterclockwise:',
};

export function actionVerb(action: FlowAction): string {
  return VERB[action];
}

/** The public message for a change: who did what to which key, and how the key looks now. */
/** What the public message of a change needs from its outcome (any action: cards reuse the wording). */
export type DoneFacts = Pick<
  Extract<Outcome, { kind: 'done' }>,
  'target' | 'actorId' | 'before' | 'after' | 'at' | 'reason' | 'approvedBy' | 'resumeAt' | 'sharedWith'
> & { readonly action: FlowAction };

/** Names shown of those who asked for the same change at once; the rest are counted. */
const NAMED_AT_MOST = 10;

function alsoAsked(actorIds: readonly string[]): string {
  const named = actorIds.slice(0, NAMED_AT_MOST).map(mention).join(', ');
  const more = actorIds.length - NAMED_AT_MOST;
  return `${named}${more > 0 ? ` and ${more} more` : ''} asked for it at the same time (one call to QStash for all).`;
}

/**
 * The private note of a request that another one, asked at the same time, carried out with a single call to
 * QStash: the channel hears of the change once, from that request's message, with everyone named.
 */
export function joinedMessage(
  outcome: Pick<Extract<Outcome, { kind: 'done' }>, 'target' | 'after' | 'joined'> & {
    readonly action: FlowAction;
  },
  naming: KeyNaming,
): SlackMessage {
  const by = outcome.joined ? ` together with ${mention(outcome.joined)}’s request` : '';
  const now = outcome.after ? ` *Now:* ${summarizeState(outcome.after)}` : '';
  const text = `${EMOJI[outcome.action] ?? ':white_check_mark:'} Done: ${keyLabel(outcome.target, naming)} ${PAST_TENSE[outcome.action]}${by}, with one call to QStash; the channel was told once, naming you.${now}`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

export function doneMessage(outcome: DoneFacts, naming: KeyNaming): SlackMessage {
  const key = keyLabel(outcome.target, naming);
  const headline = `${EMOJI[outcome.action] ?? ':white_check_mark:'} ${mention(outcome.actorId)} ${PAST_TENSE[outcome.action]} ${key}.`;
  const extra = outcome.action === 'resume' ? releasedByResume(outcome.before) : undefined;
  const now = outcome.after
    ? `*Now:* ${summarizeState(outcome.after)}`
    : '_Current state unavailable: QStash did not say._';
  const reason = outcome.reason ? `\n>${escapeMrkdwn(outcome.reason)}` : '';
  const approved = outcome.approvedBy ? ` Approved by ${mention(outcome.approvedBy)}.` : '';
  const together = outcome.sharedWith?.length ? ` ${alsoAsked(outcome.sharedWith)}` : '';
  const until = outcome.resumeAt
    ? ` Flowbot will resume it automatically ${slackDate(outcome.resumeAt)}.`
    : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${extra ? `${headline} ${extra}` : headline}${approved}${together}${until}${reason}`,
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: now }] },
  ];
  return fitted({
    text: plainHeadline(outcome.actorId, PAST_TENSE[outcome.action], outcome.target, naming),
    blocks,
  });
}

/** A short line for a refreshed card: who just did what. */
export function noteFromOutcome(outcome: DoneFacts): string {
  return `${EMOJI[outcome.action] ?? ':white_check_mark:'} ${mention(outcome.actorId)} ${PAST_TENSE[outcome.action]} it`;
}

function plainHeadline(actorId: string, verb: string, target: KeyRef, naming: KeyNaming): string {
  return `${mention(actorId)} ${verb} ${escapeMrkdwn(formatKeyRef(target, naming.environmentCount))}`;
}

/** A private refusal: what, on which key, and why (`refusal`, put in words here). */
export function refusedMessage(
  outcome: { readonly action: FlowAction; readonly target: KeyRef; readonly refusal: Refusal },
  naming: KeyNaming,
): SlackMessage {
  const text =
    outcome.refusal.code === 'overloaded'
      ? `:warning: Couldn’t ${VERB[outcome.action]} ${keyLabel(outcome.target, naming)} now. ${overloadedWords(outcome.refusal.retryAfterMs)}`
      : `:no_entry: You can’t ${VERB[outcome.action]} ${keyLabel(outcome.target, naming)}. ${describeRefusal(outcome.refusal, outcome.action)}`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

export function failedMessage(
  outcome: Extract<Outcome, { kind: 'failed' }>,
  naming: KeyNaming,
): SlackMessage {
  const reason = describeQStashError(outcome.error);
  const certain = changeCertainlyNotApplied(outcome.error);
  const consequence = certain
    ? 'Nothing was changed.'
    : `QStash may or may not have applied it; check with \`/flow status ${escapeMrkdwn(formatKeyRef(outcome.target, naming.environmentCount)).replace(/`/g, 'ˋ')}\` before trying again.`;
  const text = `:warning: Couldn’t ${VERB[outcome.action]} ${keyLabel(outcome.target, naming)}: ${reason}. ${consequence}`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

export function duplicateMessage(
  outcome: Extract<Outcome, { kind: 'duplicate' }>,
  naming: KeyNaming,
): SlackMessage {
  const text = `:hourglass_flowing_sand: ${mention(outcome.holderId)} already asked to ${VERB[outcome.action]} ${keyLabel(outcome.target, naming)} from this message; Flowbot acts on it once.`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

/** A private note for input that could not be understood; nothing was done. `problem` is plain text. */
export function problemMessage(problem: string, hint?: string): SlackMessage {
  return warningMessage(escapeMrkdwn(problem), hint);
}

/**
 * The same for words already in mrkdwn: the blocks' own describers, which escape whatever came from outside.
 * `hint` is mrkdwn too.
 */
export function warningMessage(mrkdwn: string, hint?: string): SlackMessage {
  const text = `:warning: ${mrkdwn}${
    hint
      ? `
${hint}`
      : ''
  }`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
