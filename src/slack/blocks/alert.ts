import type { ActionsBlock, ContextBlock, KnownBlock, MessageAttachment, SectionBlock } from '@slack/types';
import type { WatchedCondition } from '../../core/alerts/alert-signal.js';
import type { WatchKind } from '../../core/alerts/watch-conditions.js';
import { formatKeyRef, type KeyRef } from '../../core/keys.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { ACTION_IDS } from './action-ids.js';
import { resumeButton } from './buttons.js';
import { drainWords } from './drain.js';
import { fitted } from './fit.js';
import { summarizeState } from './key-state.js';
import { code, escapeAndTruncate, formatCount, mention, plural, slackDate, truncate } from './mrkdwn.js';
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
    (watched !== undefined
      ? watchedTitle(watched.kind, key)
      : state?.paused
        ? `${key} is paused`
        : `${key} needs attention`);
  const text = signal.text ?? (watched === undefined ? undefined : watchedText(watched));
  return { title, text };
}

function watchedTitle(kind: WatchKind, key: string): string {
  switch (kind) {
    case 'paused':
      return `${key} is paused`;
    case 'backlogged':
      return `${key} has a backlog`;
    case 'saturated':
      return `${key} is saturated`;
    case 'stuck':
      return `${key} is stuck`;
    case 'growing':
      return `${key} has a growing waitlist`;
    case 'global_saturated':
      return 'Global parallelism is near its maximum';
  }
}

/** One line per active condition, then the drain estimate: plain text (escaped where the alert is drawn). */
function watchedText(watched: WatchedCondition): string {
  const lines = (watched.conditions ?? [watched.kind]).map((kind) => conditionLine(kind, watched));
  if (watched.drain !== undefined && watched.drain.kind !== 'empty' && watched.kind !== 'paused')
    lines.push(`Time to drain: ${drainWords(watched.drain)}.`);
  return lines.join('\n');
}

function conditionLine(kind: WatchKind, watched: WatchedCondition): string {
  const waiting = formatCount(watched.waitlist);
  const checks = (rounds: number | undefined) =>
    rounds === undefined
      ? ''
      : ` for ${rounds === 1 ? 'the last check' : `${formatCount(rounds)} checks in a row`}`;
  switch (kind) {
    case 'paused':
      return `${waiting} messages are waiting while the key is paused.`;
    case 'backlogged':
      return `${waiting} messages are waiting (threshold ${formatCount(watched.threshold)}).`;
    case 'saturated': {
      const p = watched.parallelism;
      const at = p?.max === undefined ? '' : ` (${formatCount(p.count)}/${formatCount(p.max)})`;
      return `Saturated: running at its parallelism maximum${at}${checks(watched.rounds?.saturated)}; new messages wait for a free slot.`;
    }
    case 'stuck':
      return `Stuck: not paused, ${waiting} messages waiting and none in flight${checks(watched.rounds?.stuck)}.`;
    case 'growing': {
      const growth = watched.growth;
      if (!growth) return 'Growing: the waitlist grows faster than it drains.';
      const perMinute = growth.overMs > 0 ? (growth.by / growth.overMs) * 60_000 : undefined;
      const pace =
        perMinute !== undefined && perMinute >= 1
          ? ` (about ${formatCount(Math.round(perMinute))} a minute)`
          : '';
      return `Growing: the waitlist grew by ${formatCount(growth.by)} over the last ${plural(growth.rounds, 'check')}${pace}, faster than it drains.`;
    }
    case 'global_saturated': {
      const g = watched.global;
      return g === undefined
        ? 'Global parallelism is near its maximum.'
        : `Global parallelism: ${formatCount(g.count)}/${formatCount(g.max)} in use (alerts from ${g.percent}%): messages of every key wait for a global slot.`;
    }
  }
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
