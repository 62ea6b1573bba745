import type { KnownBlock } from '@slack/types';
import type { Rollup, RollupRow } from '../../core/alerts/rollup.js';
import { formatKeyRef } from '../../core/keys.js';
import { ACTION_IDS } from './action-ids.js';
import { resumeButton } from './buttons.js';
import { BLOCK_LIMITS, fitted } from './fit.js';
import { LIVING_ALERT_BLOCK } from './living-alert.js';
import { escapeAndTruncate, escapeMrkdwn, formatCount, mention, plural, slackDate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';
import type { SlackMessage } from './types.js';

/** Roll-up blocks start with the living alerts' prefix: a Resume click on a row is one on Flowbot's alert. */
const ROLLUP_BLOCK = `${LIVING_ALERT_BLOCK}_rollup`;
/** Rows with a Resume button each: a button with its confirm dialog is ~600 characters of the ~12k budget. */
const ROWS_WITH_BUTTONS = 5;
/** The roll-up's blocks stay this far below Slack's total so the summary and "Show all" always fit. */
const NAMES_BUDGET = BLOCK_LIMITS.blocksJson - 1_500;
/** Keys per page of the private full list. */
export const ROLLUP_PAGE_SIZE = 15;

const SEVERITY: ReadonlyMap<string, string> = new Map([
  ['critical', ':red_circle:'],
  ['warning', ':large_orange_circle:'],
  ['info', ':large_blue_circle:'],
]);

function icon(row: RollupRow): string {
  if (row.status === 'resolved') return row.resolved?.stale ? ':hourglass:' : ':white_check_mark:';
  return SEVERITY.get(row.severity ?? 'warning') ?? ':rotating_light:';
}

/** Open keys first (paused ones first among them), then resolved ones; each group in order of arrival. */
function ordered(rows: readonly RollupRow[]): RollupRow[] {
  const rank = (row: RollupRow) => (row.status === 'resolved' ? 2 : row.state?.paused === false ? 1 : 0);
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => rank(a.row) - rank(b.row) || a.index - b.index)
    .map(({ row }) => row);
}

function rowLine(row: RollupRow, naming: KeyNaming): string {
  const key = `\`${escapeAndTruncate(formatKeyRef(row.target, naming.environmentCount), 120)}\``;
  const parts = [`${icon(row)} ${key}`, escapeAndTruncate(row.title, 150)];
  if (row.state)
    parts.push(
      row.state.paused
        ? `paused · ${formatCount(row.state.waitlist)} waiting`
        : `delivering · ${formatCount(row.state.waitlist)} waiting`,
    );
  if (row.count > 1) parts.push(`seen ${formatCount(row.count)} times`);
  if (row.lastAction)
    parts.push(
      `${row.lastAction.action === 'resume' ? 'resumed' : row.lastAction.action === 'pause' ? 'paused' : row.lastAction.action} by ${mention(row.lastAction.actorId)}`,
    );
  if (row.status === 'resolved' && row.resolved)
    parts.push(row.resolved.stale ? 'closed as stale' : `resolved (${escapeMrkdwn(row.resolved.by)})`);
  return parts.join(' · ');
}

function rowBlock(row: RollupRow, naming: KeyNaming, index: number): KnownBlock {
  const resumable = row.status === 'open' && row.state?.paused !== false;
  return {
    type: 'section',
    block_id: `${ROLLUP_BLOCK}_row_${index}`,
    text: { type: 'mrkdwn', text: rowLine(row, naming) },
    ...(resumable ? { accessory: resumeButton(row.target, naming) } : {}),
  };
}

function showAllButton(rollup: Rollup, page: number, label: string) {
  return {
    type: 'button' as const,
    action_id: ACTION_IDS.rollupList,
    text: { type: 'plain_text' as const, text: label, emoji: true },
    value: JSON.stringify({ ts: rollup.ts, page }),
  };
}

/**
 * One message for the many keys alerting into a channel during a storm: totals, the first keys with their
 * state and a Resume button each, the names of the others (open ones first) while Slack's size limits allow,
 * "…and N more", and a "Show all" button that lists every key privately, a page at a time with their buttons.
 */
export function rollupMessage(rollup: Rollup, naming: KeyNaming): SlackMessage {
  const rows = ordered(rollup.rows);
  const open = rows.filter((row) => row.status === 'open').length;
  const resolved = rows.length - open;
  const head = [
    `:rotating_light: *${plural(rows.length, 'key')} alerting in this channel* · ${formatCount(open)} open · ${formatCount(resolved)} resolved`,
    `Since ${slackDate(new Date(rollup.openedAt))}. Further alerts in this channel update this message instead of posting new ones.`,
  ].join('\n');
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: `${ROLLUP_BLOCK}_head`, text: { type: 'mrkdwn', text: head } },
  ];
  const withButtons = rows.slice(0, ROWS_WITH_BUTTONS);
  withButtons.forEach((row, index) => {
    blocks.push(rowBlock(row, naming, index));
  });
  // The other keys by name (open ones, then resolved ones), as many as fit: every key the message can show is
  // visible without a click. Plain names, comma-separated: ~12 characters a key, so hundreds fit.
  let size = JSON.stringify(blocks).length;
  let shown = withButtons.length;
  const rest = rows.slice(ROWS_WITH_BUTTONS);
  for (const [status, label] of [
    ['open', 'Also open'],
    ['resolved', 'Resolved'],
  ] as const) {
    const names = rest
      .filter((row) => row.status === status)
      .map((row) => escapeAndTruncate(formatKeyRef(row.target, naming.environmentCount), 80));
    let line = `*${label}:* `;
    let first = true;
    const flush = () => {
      blocks.push({
        type: 'section',
        block_id: `${ROLLUP_BLOCK}_names_${blocks.length}`,
        text: { type: 'mrkdwn', text: line },
      });
      size += line.length + 100;
    };
    let any = false;
    for (const name of names) {
      if (size + line.length + name.length + 150 > NAMES_BUDGET || blocks.length >= BLOCK_LIMITS.blocks - 3)
        break;
      if (line.length + name.length + 2 > BLOCK_LIMITS.sectionText - 50) {
        flush();
        line = '';
        first = true;
      }
      line += `${first ? '' : ', '}${name}`;
      first = false;
      any = true;
      shown += 1;
    }
    if (any && line !== '') flush();
  }
  const hidden = rows.length - shown;
  const footer: string[] = [];
  if (hidden > 0) footer.push(`…and ${formatCount(hidden)} more.`);
  if (rows.length > withButtons.length)
    footer.push('Show all lists every key with its own Resume button, privately.');
  if (footer.length > 0) {
    blocks.push({
      type: 'context',
      block_id: `${ROLLUP_BLOCK}_more`,
      elements: [{ type: 'mrkdwn', text: footer.join(' ') }],
    });
    blocks.push({
      type: 'actions',
      block_id: `${ROLLUP_BLOCK}_actions`,
      elements: [showAllButton(rollup, 0, `Show all ${formatCount(rows.length)} keys`)],
    });
  }
  const text = `${plural(rows.length, 'key')} alerting (${formatCount(open)} open): ${rows
    .slice(0, 20)
    .map((row) => row.target.key)
    .join(', ')}${rows.length > 20 ? ', …' : ''}`;
  return fitted({ text: escapeAndTruncate(text, 3000), blocks });
}

/**
 * A page of a roll-up's keys for the person who asked (ephemeral): each with its state and a Resume button,
 * and Previous / Next. `page` counts from 0 and is clamped to the pages there are.
 */
export function rollupListPage(rollup: Rollup, page: number, naming: KeyNaming): SlackMessage {
  const rows = ordered(rollup.rows);
  const pages = Math.max(1, Math.ceil(rows.length / ROLLUP_PAGE_SIZE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const slice = rows.slice(current * ROLLUP_PAGE_SIZE, (current + 1) * ROLLUP_PAGE_SIZE);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `${ROLLUP_BLOCK}_list_head`,
      text: {
        type: 'mrkdwn',
        text: `*${plural(rows.length, 'key')} in this storm* · page ${current + 1} of ${pages}`,
      },
    },
    ...slice.map((row, index) => rowBlock(row, naming, index)),
  ];
  const nav = [];
  if (current > 0) nav.push(showAllButton(rollup, current - 1, 'Previous'));
  if (current < pages - 1) nav.push(showAllButton(rollup, current + 1, 'Next'));
  if (nav.length > 0) blocks.push({ type: 'actions', block_id: `${ROLLUP_BLOCK}_list_nav`, elements: nav });
  return fitted({ text: `Keys in this storm, page ${current + 1} of ${pages}`, blocks });
}

/** The full list was asked for a roll-up Flowbot no longer keeps (expired after `ALERTS_KEEP_RESOLVED`). */
export function rollupGoneMessage(): SlackMessage {
  const text = 'This storm’s list is no longer kept. `/flow list` shows the keys as they are now.';
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
