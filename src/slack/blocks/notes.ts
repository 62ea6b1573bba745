import type { KeyProblem, KeyRef } from '../../core/keys.js';
import type { QStashErrorFields } from '../../core/qstash/errors.js';
import { noteMessage } from './confirmation.js';
import { describeKeyProblem } from './input-problems.js';
import { code, truncate } from './mrkdwn.js';
import { type KeyNaming, keyLabel, problemMessage, warningMessage } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import type { SlackMessage } from './types.js';

/** Short private answers the listeners give: each says what happened, and that nothing else did. */
export const NOTES = {
  pickedKeyGone: () =>
    problemMessage(
      'That key is no longer in Flowbot’s list of keys. Open Flow control again and pick it anew.',
    ),
  confirmationGone: () =>
    noteMessage('This confirmation was already used, cancelled or has expired. Nothing was changed.'),
  notYourConfirmation: () => noteMessage('Only the person who asked can confirm this.'),
  confirmed: (target: KeyRef, naming: KeyNaming) =>
    noteMessage(`:hourglass_flowing_sand: Confirmed. Working on ${keyLabel(target, naming)}…`),
  cancelled: (target: KeyRef, naming: KeyNaming) =>
    noteMessage(`Cancelled. ${keyLabel(target, naming)} was not changed.`),
  nothingToCancel: () => noteMessage('Nothing to cancel: this was already used, cancelled or has expired.'),
  approvalGone: () => noteMessage('This request was already decided or has expired.'),
  ownRequest: () => noteMessage('You can’t approve your own request; someone else has to.'),
  unknownButton: () =>
    noteMessage(
      'This button is not one this version of Flowbot knows, so it did nothing. Use `/flow help` to see what Flowbot can do.',
    ),
  unusableList: () => problemMessage('This Refresh button carries no usable list.'),
  unusableRollupList: () => problemMessage('This Show all button carries no usable list.'),
  unusableKey: (problem: KeyProblem) =>
    warningMessage(`This button carries no usable key. ${describeKeyProblem(problem)}`),
  /** The key a change was proposed for is unknown (or QStash could not read it). */
  proposalFailed: (error: QStashErrorFields, target: KeyRef) =>
    warningMessage(`${describeQStashError(error)}: ${code(truncate(target.key, 80))}. Nothing was changed.`),
  unreadableKey: (target: KeyRef, naming: KeyNaming, error: QStashErrorFields) =>
    warningMessage(`Couldn’t read ${keyLabel(target, naming)}: ${describeQStashError(error)}.`),
  unlistable: (error: QStashErrorFields) =>
    warningMessage(`Couldn’t list the keys: ${describeQStashError(error)}.`),
  /** Shared state (Redis) could not be reached: Flowbot did not act. */
  stateUnavailable: () =>
    warning(
      'Flowbot can’t reach its shared state (Redis) right now, so it did not act. Nothing was changed; try again in a moment.',
    ),
  /** Something broke inside Flowbot: logged, and the person told to look before trying again. */
  unexpected: () =>
    warning(
      'Something went wrong inside Flowbot while handling this. It has been logged; check `/flow status` before trying again.',
    ),
  /** Answered by the HTTP receiver itself when a request broke before any listener could acknowledge it. */
  unhandled: () => warning('Flowbot could not handle this request. It has been logged; nothing was changed.'),
} satisfies Record<string, (...args: never[]) => SlackMessage>;

function warning(text: string): SlackMessage {
  return noteMessage(`:warning: ${text}`);
}
