import type { Button, KnownBlock } from '@slack/types';
import type { FlowAction } from '../../core/access/types.js';
import type { Incident } from '../../core/alerts/incident.js';
import { formatDuration } from '../../core/durations.js';
import { type FlowKeyState, GLOBAL_KEY } from '../../core/qstash/types.js';
import { ACTION_IDS } from './action-ids.js';
import { buttonValue, hasKeyButtons, pauseButton, resumeButton } from './buttons.js';
import { drainLine } from './drain.js';
import { fitted } from './fit.js';
import { summarizeState } from './key-state.js';
import {
  escapeAndTruncate,
  escapeMrkdwn,
  formatCount,
  link,
  mention,
  slackDate,
  truncate,
} from './mrkdwn.js';
import { actionVerb, type KeyNaming, keyLabel } from './outcome.js';
import { RAMP_WORTHY_WAITLIST, resumeGraduallyButton } from './ramp.js';
import type { SlackMessage } from './types.js';

// Maps: these are looked up with values from alert senders and the store.
const SEVERITY: ReadonlyMap<string, string> = new Map([
  ['critical', ':red_circle:'],
  ['warning', ':large_orange_circle:'],
  ['info', ':large_blue_circle:'],
]);

/** Block ids of living alerts start with this, so a click can tell Flowbot's own alerts apart. */
export const LIVING_ALERT_BLOCK = 'flow_alert';

const PAST: ReadonlyMap<string, string> = new Map([
  ['resume', 'Resumed'],
  ['pause', 'Paused'],
  ['ramp', 'Ramp started'],
]);

/**
 * One message per key incident, redrawn in place: what the alert says, the key's live state, how often and
 * when it was seen, the last action taken and by whom, and the buttons that make sense now.
 */
export function livingAlertMessage(
  incident: Incident,
  state: FlowKeyState | undefined,
  naming: KeyNaming,
  at: Date = new Date(),
): SlackMessage {
  const key = keyLabel(incident.target, naming);
  const resolved = incident.status === 'resolved';
  const icon = resolved
    ? incident.stale
      ? ':hourglass:'
      : ':white_check_mark:'
    : (SEVERITY.get(incident.severity ?? 'warning') ?? ':rotating_light:');
  const lines = [`${icon} *${escapeAndTruncate(incident.title, 500)}*`, `Key: ${key}`];
  if (incident.text) lines.push(escapeAndTruncate(incident.text, 2000));
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `${LIVING_ALERT_BLOCK}_head`,
      text: { type: 'mrkdwn', text: lines.join('\n') },
    },
  ];

  const facts: string[] = [];
  facts.push(state ? `*Now:* ${summarizeState(state)}` : '_Current state unavailable._');
  if (state && !resolved && state.waitlistSize > 0) facts.push(drainLine(state, at));
  const seen = incident.count === 1 ? 'Seen once' : `Seen ${formatCount(incident.count)} times`;
  facts.push(
    `${seen}, last ${slackDate(new Date(incident.lastSeen))} · via ${incident.sources.map(escapeMrkdwn).join(', ')}`,
  );
  if (incident.links && incident.links.length > 0) {
    facts.push(incident.links.map((item) => link(item.url, truncate(item.text, 100))).join(' · '));
  }
  blocks.push({
    type: 'context',
    block_id: `${LIVING_ALERT_BLOCK}_facts`,
    elements: facts.map((text) => ({ type: 'mrkdwn', text })),
  });

  if (incident.lastAction) {
    const verb = PAST.get(incident.lastAction.action) ?? `${actionVerb(incident.lastAction.action)} done`;
    blocks.push({
      type: 'section',
      block_id: `${LIVING_ALERT_BLOCK}_action`,
      text: {
        type: 'mrkdwn',
        text: `:white_check_mark: ${verb} by ${mention(incident.lastAction.actorId)} ${slackDate(new Date(incident.lastAction.at))}.`,
      },
    });
  }
  if (resolved && incident.resolved) {
    blocks.push({
      type: 'section',
      block_id: `${LIVING_ALERT_BLOCK}_resolved`,
      text: {
        type: 'mrkdwn',
        text: incident.stale
          ? `:hourglass: Closed as stale ${slackDate(new Date(incident.resolved.at))}: no alert for ${formatDuration(Math.round(incident.stale.afterMs / 1000))}. A new alert for the key opens a new message.`
          : `:white_check_mark: Resolved ${slackDate(new Date(incident.resolved.at))} (${escapeMrkdwn(incident.resolved.by)}).`,
      },
    });
  }
  // QStash's key `$` (messages without a key, and the account's global parallelism) is not paused or resumed.
  if (!resolved && incident.target.key === GLOBAL_KEY) {
    if (state)
      blocks.push({
        type: 'actions',
        block_id: `${LIVING_ALERT_BLOCK}_actions`,
        elements: [statusButton(incident, naming)],
      });
  } else if (!resolved && hasKeyButtons(incident.target)) {
    const elements: Button[] = [];
    if (!state || state.paused) elements.push(resumeButton(incident.target, naming));
    if (state?.paused && state.waitlistSize >= RAMP_WORTHY_WAITLIST)
      elements.push(resumeGraduallyButton(incident.target, naming));
    elements.push(statusButton(incident, naming));
    if (state && !state.paused) elements.push(pauseButton(incident.target, naming));
    blocks.push({ type: 'actions', block_id: `${LIVING_ALERT_BLOCK}_actions`, elements });
  }
  const plain = `${resolved ? (incident.stale ? 'Closed as stale: ' : 'Resolved: ') : ''}${incident.title} (${incident.target.key})`;
  return fitted({ text: escapeAndTruncate(plain, 3000), blocks });
}

function statusButton(incident: Incident, naming: KeyNaming): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.status,
    text: { type: 'plain_text', text: 'Status' },
    value: buttonValue(incident.target, naming),
  };
}

export function isLivingAlert(blocks: readonly unknown[] | undefined): boolean {
  return (blocks ?? []).some(
    (block) =>
      !!block &&
      typeof block === 'object' &&
      String((block as { block_id?: unknown }).block_id ?? '').startsWith(LIVING_ALERT_BLOCK),
  );
}

/** A line in the alert's thread: who did what to the key. */
export function incidentActionNote(actorId: string, action: FlowAction): SlackMessage {
  const verb = action === 'resume' ? 'resumed' : action === 'pause' ? 'paused' : action;
  return contextNote(`${mention(actorId)} ${verb} the key.`);
}

/** A line in the alert's thread: resolved, and by what (the sender's name for itself). */
export function incidentResolvedNote(by: string): SlackMessage {
  return contextNote(`Resolved (${escapeMrkdwn(by)}).`);
}

/** A line in the alert's thread: closed because nothing reported it for `afterMs`. */
export function incidentStaleNote(afterMs: number): SlackMessage {
  return contextNote(
    `Closed as stale: no alert for ${formatDuration(Math.round(afterMs / 1000))}. The key was not changed.`,
  );
}

function contextNote(text: string): SlackMessage {
  return fitted({ text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] });
}
