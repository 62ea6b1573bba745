import type { Button } from '@slack/types';
import { checkKey, formatKeyRef, type KeyRef } from '../../core/keys.js';
import { ACTION_IDS } from './action-ids.js';
import { code, truncate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';

/**
 * Whether Flowbot can act on a key, and so offer buttons for it. Keys from QStash's list are whatever
 * publishers chose: longer than Flowbot's limit (or than a button's value), `..`, control characters. Such a
 * key is shown, but a button for it would only lead to "can't use this key", or make Slack refuse the message.
 */
export function hasKeyButtons(target: KeyRef): boolean {
  return checkKey(target.key).kind === 'ok';
}

/** The value a key button carries: the key, with its environment when there are several. */
export function buttonValue(target: KeyRef, naming: KeyNaming): string {
  return formatKeyRef(target, naming.environmentCount);
}

/** Short enough that the confirm dialog stays within Slack's 300 characters even when every character is escaped. */
function shownKey(target: KeyRef, naming: KeyNaming): string {
  return code(truncate(formatKeyRef(target, naming.environmentCount), 40));
}

/**
 * Slack wants action_ids unique within a block, so further Resume buttons in one block carry `#<n>`; the
 * listener accepts `flow_resume` with or without it.
 */
export function resumeButton(target: KeyRef, naming: KeyNaming, label = 'Resume', index = 0): Button {
  return {
    type: 'button',
    action_id: index === 0 ? ACTION_IDS.resume : `${ACTION_IDS.resume}#${index}`,
    text: { type: 'plain_text', text: label, emoji: true },
    style: 'primary',
    value: buttonValue(target, naming),
    confirm: {
      title: { type: 'plain_text', text: 'Resume this key?' },
      text: {
        type: 'mrkdwn',
        text: `Resume delivery for ${shownKey(target, naming)}? Waiting messages will be delivered at the key’s configured rate.`,
      },
      confirm: { type: 'plain_text', text: 'Resume' },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  };
}

export function pauseButton(target: KeyRef, naming: KeyNaming): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.pause,
    text: { type: 'plain_text', text: 'Pause…', emoji: true },
    style: 'danger',
    value: buttonValue(target, naming),
  };
}

export function refreshButton(target: KeyRef, naming: KeyNaming): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.refresh,
    text: { type: 'plain_text', text: 'Refresh', emoji: true },
    value: buttonValue(target, naming),
  };
}
