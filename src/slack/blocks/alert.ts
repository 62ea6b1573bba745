import type { ActionsBlock, ContextBlock, KnownBlock, MessageAttachment, SectionBlock } from '@slack/types';
import type { WatchedCondition } from '../../core/alerts/alert-signal.js';
import { formatKeyRef, type KeyRef } from '../../core/keys.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { ACTION_IDS } from './action-ids.js';
import { resumeButton } from './buttons.js';
import { fitted } from './fit.js';
import { summarizeState } from './key-state.js';
import { code, escapeAndTruncate, formatCount, mention, slackDate, truncate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';
import type { SlackMessage } from './types.js';

export interface AlertContent {
  readonly target: KeyRef;
  readonly title?: string;
  readonly text?: string;
  readonly state?: FlowKeyState;
}

/**
 * The title and text of an alert: the sender's own words when it wrote some, else Flowbot's, from what the
 * watcher saw or from the key's state. Plain text (escaped where the alert is drawn).
 */
export function alertWords(
  signal: { readonly title?: string; readonly text?: string; readonly watched?: WatchedCondition },
  target: KeyRef,
  state: FlowKeyState | undefined,
  naming: KeyNaming,
): { title: string; text: string | undefined } {
  const watched = signal.watched;
  const key = watched ? target.key : formatKeyRef(target, naming.environmentCount);
  const title =
    signal.title ??
    (watched?.kind === 'backlogged'
      ? `${key} has a backlog`
      : watched?.kind === 'paused' || state?.paused
        ? `${key} is paused`
        : `${key} needs attention`);
  const text =
    signal.text ??
    (watched === undefined
      ? undefined
      : watched.kind === 'paused'
        ? `${formatCount(watched.waitlist)} messages are waiting while the key is paused.`
        : `${formatCount(watched.waitlist)} messages are waiting (threshold ${formatCount(watched.threshold)}).`);
  return { title, text };
}

/** An alert about a paused or backlogged key, with a Resume button that Flowbot handles. */
export function alertMessage(alert: AlertContent, naming: KeyNaming): SlackMessage {
  const key = formatKeyRef(alert.target, naming.environmentCount);
  const title = alert.title ? truncate(alert.title, 150) : `Flow-control key ${key} needs attention`;
  const lines = [`:rotating_light: *${escapeAndTruncate(title, 600)}*`, `Key: ${code(key)}`];
  if (alert.text) lines.push(escapeAndTruncate(alert.text, 2000));
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  if (alert.state) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: summarizeState(alert.state) }] });
  }
  blocks.push({
    type: 'actions',
    block_id: 'flow_alert_actions',
    elements: [resumeButton(alert.target, naming)],
  });
  return fitted({ text: escapeAndTruncate(`${title} (${key})`, 3000), blocks });
}

/**
 * The alert after someone resumed the key from it: everything the sender wrote stays (blocks, and legacy
 * attachments with their own blocks, fields, text and buttons), Flowbot's Resume buttons go wherever they are
 * (they have done their job), and a line says who resumed the key, when, and how the key looks now.
 */
export function resolvedAlertMessage(
  original: {
    readonly blocks: readonly unknown[];
    readonly text: string;
    readonly attachments?: readonly unknown[];
  },
  resolution: {
    readonly actorId: string;
    readonly at: Date;
    readonly after: FlowKeyState | undefined;
    readonly released?: string;
  },
): SlackMessage {
  const kept: KnownBlock[] = [];
  for (const block of original.blocks) {
    const cleaned = withoutFlowButtons(block);
    if (cleaned) kept.push(cleaned);
  }
  const by = `:white_check_mark: Resumed by ${mention(resolution.actorId)} ${slackDate(resolution.at)}.${resolution.released ? ` ${resolution.released}` : ''}`;
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: by } };
  const state: ContextBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: resolution.after
          ? `*Now:* ${summarizeState(resolution.after)}`
          : '_Current state unavailable._',
      },
    ],
  };
  const attachments = (original.attachments ?? [])
    .map(withoutFlowButtonsInAttachment)
    .filter((attachment): attachment is MessageAttachment => attachment !== undefined);
  // Slack allows 50 blocks in a message; the resolution lines must fit.
  return fitted({
    text: original.text || 'Flow-control key resumed',
    blocks: [...kept.slice(0, 48), section, state],
    ...(attachments.length > 0 ? { attachments } : {}),
  });
}

/** Slack's own fields of an attachment it sends back in a click (`id`, `fallback` and the like) stay. */
function withoutFlowButtonsInAttachment(attachment: unknown): MessageAttachment | undefined {
  if (!attachment || typeof attachment !== 'object' || Array.isArray(attachment)) return undefined;
  const copy: Record<string, unknown> = { ...(attachment as Record<string, unknown>) };
  if (Array.isArray(copy.blocks)) {
    const blocks = copy.blocks.map(withoutFlowButtons).filter((block) => block !== undefined);
    if (blocks.length > 0) copy.blocks = blocks;
    else delete copy.blocks;
  }
  if (Array.isArray(copy.actions)) {
    // Legacy interactive buttons name themselves with `name` (Alertmanager's `actions`).
    const actions = copy.actions.filter(
      (action: unknown) =>
        !(
          action &&
          typeof action === 'object' &&
          RESUME_BUTTON.test(String((action as { name?: unknown }).name ?? ''))
        ),
    );
    if (actions.length > 0) copy.actions = actions;
    else delete copy.actions;
  }
  return copy as MessageAttachment;
}

const RESUME_BUTTON = new RegExp(`^${ACTION_IDS.resume}(?:#\\d+)?$`);

function withoutFlowButtons(block: unknown): KnownBlock | undefined {
  if (!block || typeof block !== 'object') return undefined;
  const typed = block as { type?: unknown; elements?: unknown };
  // Slack rejects a whole update for one malformed block; anything without a type is left out.
  if (typeof typed.type !== 'string') return undefined;
  if (typed.type !== 'actions' || !Array.isArray(typed.elements)) return block as KnownBlock;
  const elements = typed.elements.filter(
    (element: unknown) =>
      !(
        element &&
        typeof element === 'object' &&
        RESUME_BUTTON.test(String((element as { action_id?: unknown }).action_id ?? ''))
      ),
  );
  if (elements.length === 0) return undefined;
  return { ...(block as ActionsBlock), elements: elements as ActionsBlock['elements'] };
}
