import type { StepInputProblem } from '../../core/commands/step-inputs.js';
import { formatKeyRef, type KeyRef } from '../../core/keys.js';
import type { Outcome, ReadOutcome } from '../../core/operations/outcome.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { describeKeyProblemPlain } from './input-problems.js';
import { formatCount, formatPeriod, truncate } from './mrkdwn.js';
import { actionVerb, type KeyNaming } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal } from './refusal.js';

/**
 * The words of Workflow Builder steps. A step's error is plain text shown in the workflow's activity (no
 * mrkdwn), and its outputs are values for later steps.
 */

/** Slack shows a step's error as plain text; keep it readable and bounded. */
const MAX_ERROR = 1_000;

function key(target: KeyRef, naming: KeyNaming): string {
  return `"${truncate(formatKeyRef(target, naming.environmentCount), 120)}"`;
}

/** The shared sentences are mrkdwn: a step's error shows them as plain text (no code spans, no escapes). */
function plain(text: string): string {
  const unescaped = text.replace(/`/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return truncate(unescaped, MAX_ERROR);
}

/** "paused · 12,340 waiting · parallelism 0/10 · rate 0/250 per 1s": a key's state as plain text. */
export function plainState(state: FlowKeyState): string {
  const parts = [state.paused ? 'paused' : 'delivering', `${formatCount(state.waitlistSize)} waiting`];
  if (state.parallelismMax !== undefined)
    parts.push(`parallelism ${formatCount(state.parallelismCount)}/${formatCount(state.parallelismMax)}`);
  if (state.rateMax !== undefined) {
    const per = state.ratePeriod === undefined ? '' : ` per ${formatPeriod(state.ratePeriod)}`;
    parts.push(`rate ${formatCount(state.rateCount)}/${formatCount(state.rateMax)}${per}`);
  }
  return parts.join(' · ');
}

/** Why a change did not happen, for `functions.completeError`. */
export function stepErrorForChange(outcome: Exclude<Outcome, { kind: 'done' }>, naming: KeyNaming): string {
  const verb = actionVerb(outcome.action);
  const named = key(outcome.target, naming);
  switch (outcome.kind) {
    case 'refused':
      // Core refuses what needs approval from a workflow step: a run can't wait for a card.
      if (outcome.refusal.code === 'approval_required')
        return needsApproval(verb, named, outcome.refusal.rule, outcome.action, outcome.target, naming);
      return plain(`Flowbot did not ${verb} ${named}: ${describeRefusal(outcome.refusal, outcome.action)}`);
    case 'needs_approval':
      return needsApproval(verb, named, outcome.approval.rule, outcome.action, outcome.target, naming);
    case 'duplicate':
      return plain(`Flowbot is already doing this for the same workflow run (${named}).`);
    case 'failed': {
      const certain = ['not_found', 'unauthorized', 'bad_request'].includes(outcome.error.kind);
      return plain(
        `Flowbot could not ${verb} ${named}: ${describeQStashError(outcome.error)}. ${certain ? 'Nothing was changed.' : 'QStash may or may not have applied it; check the key before running the step again.'}`,
      );
    }
  }
}

function needsApproval(
  verb: string,
  named: string,
  rule: string,
  action: string,
  target: KeyRef,
  naming: KeyNaming,
): string {
  return plain(
    `Flowbot did not ${verb} ${named}: this change needs a second person’s approval (${rule}), which a workflow step can’t ask for. Ask for it in a channel with /flow ${action} ${formatKeyRef(target, naming.environmentCount)}.`,
  );
}

/** Why a read did not happen. */
export function stepErrorForRead(
  outcome: Exclude<ReadOutcome<unknown>, { kind: 'ok' }>,
  target: KeyRef,
  naming: KeyNaming,
): string {
  if (outcome.kind === 'refused')
    return plain(
      `Flowbot did not read ${key(target, naming)}: ${describeRefusal(outcome.refusal, 'status')}`,
    );
  return plain(`Flowbot could not read ${key(target, naming)}: ${describeQStashError(outcome.error)}.`);
}

/** The step ran out of time waiting for QStash. */
export function stepTimedOut(
  action: 'resume' | 'pause' | 'status',
  target: KeyRef,
  seconds: number,
  naming: KeyNaming,
): string {
  const what =
    action === 'status'
      ? `read ${key(target, naming)}`
      : `${action} ${key(target, naming)}; QStash may or may not have applied it, so check the key before running the step again`;
  return plain(`QStash did not answer within ${seconds} seconds, so Flowbot could not ${what}.`);
}

/** Why a step's inputs can't be used (core's codes). */
export function stepInputError(problem: StepInputProblem): string {
  return plain(`The step’s inputs can’t be used: ${stepInputWords(problem)}`);
}

function stepInputWords(problem: StepInputProblem): string {
  switch (problem.code) {
    case 'no_user':
      return 'user must be the person who runs the workflow (“Person who used this workflow”).';
    case 'no_key':
      return 'key must name a flow-control key.';
    case 'key':
      return describeKeyProblemPlain(problem.problem);
    case 'no_reason':
      return 'reason must say why the key is paused.';
    case 'reason_too_long':
      return `reason must be at most ${problem.max} characters.`;
    case 'reason_control_characters':
      return 'reason contains control characters.';
    case 'bad_minutes':
      return `minutes must be a whole number from 1 to ${formatCount(problem.max)}.`;
  }
}

/** A step this version of Flowbot doesn't have (the manifest is newer than the app). */
export function unknownStep(callbackId: string): string {
  return plain(
    `This version of Flowbot has no step called ${truncate(callbackId, 60)}. Update Flowbot or remove the step.`,
  );
}

/** The step was done, but Slack refused its outputs: it still ends, as an error. */
export function outputsRefused(): string {
  return 'Flowbot did the step but Slack refused its outputs; check the key’s state.';
}
