import type { Button, KnownBlock } from '@slack/types';
import type { EnvironmentKeys } from '../../core/operations/outcome.js';
import { type FlowKeyState, GLOBAL_KEY } from '../../core/qstash/types.js';
import { ACTION_IDS } from './action-ids.js';
import { hasKeyButtons, resumeButton } from './buttons.js';
import { BLOCK_LIMITS, fitted } from './fit.js';
import { code, formatCount, plural, truncate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import type { SlackMessage } from './types.js';

/** Lines shown before the rest is summarised: a list must stay readable and inside Slack's limits. */
export const LIST_LIMIT = 40;
const LINES_PER_SECTION = 10;
/** Characters of key lines in one list, leaving room in Slack's total size for the buttons and notes. */
const LIST_TEXT_BUDGET = 5_000;
const RESUME_BUTTONS = 5;

/** The special key `$` holds messages published without a flow-control key, waiting on global parallelism. */
export { GLOBAL_KEY };

function compareKeys(a: FlowKeyState, b: FlowKeyState): number {
  if (a.paused !== b.paused) return a.paused ? -1 : 1;
  if (a.waitlistSize !== b.waitlistSize) return b.waitlistSize - a.waitlistSize;
  return a.key.localeCompare(b.key);
}

function line(key: FlowKeyState, environment: string, naming: KeyNaming): string {
  const name = naming.environmentCount > 1 ? `${environment}:${key.key}` : key.key;
  const state = key.paused ? ':double_vertical_bar: paused' : ':arrow_forward: delivering';
  const limits: string[] = [];
  if (key.parallelismMax !== undefined)
    limits.push(`par ${formatCount(key.parallelismCount)}/${formatCount(key.parallelismMax)}`);
  if (key.rateMax !== undefined)
    limits.push(`rate ${formatCount(key.rateCount)}/${formatCount(key.rateMax)}`);
  if (key.pinnedParallelism || key.pinnedRate) limits.push(':pushpin:');
  const special = key.key === GLOBAL_KEY ? ' _(no flow-control key)_' : '';
  return `${code(truncate(name, 80))}${special} · ${state} · ${formatCount(key.waitlistSize)} waiting${limits.length ? ` · ${limits.join(' · ')}` : ''}`;
}

/** Paused keys first, then the longest waitlists; the rest summarised. */
export function listMessage(
  results: readonly EnvironmentKeys[],
  glob: string | undefined,
  naming: KeyNaming,
): SlackMessage {
  const rows = results.flatMap((result) =>
    (result.keys ?? []).map((key) => ({ environment: result.environment, key })),
  );
  rows.sort((a, b) => compareKeys(a.key, b.key));
  const paused = rows.filter((row) => row.key.paused).length;
  const waiting = rows.reduce((sum, row) => sum + row.key.waitlistSize, 0);
  const filter = glob && glob !== '*' ? ` matching ${code(glob)}` : '';
  const summary = `*${plural(rows.length, 'flow-control key')}*${filter}: ${formatCount(paused)} paused, ${formatCount(waiting)} messages waiting.`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: summary } }];

  // Lines are measured as sent (escaped): long keys of `&` take five times their length, so the list shows
  // as many as fit the budget, never a section cut through the middle of a line.
  const lines: string[] = [];
  let budget = LIST_TEXT_BUDGET;
  for (const row of rows.slice(0, LIST_LIMIT)) {
    const text = line(row.key, row.environment, naming);
    if (text.length + 1 > budget) break;
    budget -= text.length + 1;
    lines.push(text);
  }
  const shown = rows.slice(0, lines.length);
  let section: string[] = [];
  const flush = () => {
    if (section.length > 0)
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section.join('\n') } });
    section = [];
  };
  for (const text of lines) {
    const length = section.reduce((n, l) => n + l.length + 1, 0) + text.length;
    if (section.length === LINES_PER_SECTION || length > BLOCK_LIMITS.sectionText) flush();
    section.push(text);
  }
  flush();
  const notes: string[] = [];
  if (rows.length > shown.length) {
    const hidden = rows.slice(shown.length);
    const hiddenPaused = hidden.filter((row) => row.key.paused).length;
    notes.push(
      `…and ${plural(hidden.length, 'more key')} (${formatCount(hiddenPaused)} paused) not shown. Narrow it down with \`/flow list <pattern>\`, e.g. \`/flow list orders-*\`.`,
    );
  }
  if (rows.length === 0)
    notes.push(
      glob && glob !== '*' ? 'No key matches that pattern.' : 'QStash reports no flow-control keys.',
    );
  if (rows.some((row) => row.key.key === GLOBAL_KEY)) {
    notes.push(
      '`$` holds messages published without a flow-control key; they wait only on global parallelism (`/flow global`).',
    );
  }
  for (const result of results) {
    if (result.error) {
      notes.push(
        `:warning: Environment ${code(result.environment)} could not be read: ${describeQStashError(result.error)}.`,
      );
    }
  }
  if (notes.length > 0)
    blocks.push({ type: 'context', elements: notes.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) });

  const buttons: Button[] = rows
    .filter(
      (row) =>
        row.key.paused &&
        row.key.key !== GLOBAL_KEY &&
        hasKeyButtons({ environment: row.environment, key: row.key.key }),
    )
    .slice(0, RESUME_BUTTONS)
    .map((row, index) =>
      resumeButton(
        { environment: row.environment, key: row.key.key },
        naming,
        truncate(`Resume ${row.key.key}`, 70),
        index,
      ),
    );
  buttons.push({
    type: 'button',
    action_id: ACTION_IDS.listRefresh,
    text: { type: 'plain_text', text: 'Refresh', emoji: true },
    value: JSON.stringify({
      glob: glob ?? null,
      environment: results.length === 1 ? results[0]?.environment : null,
    }),
  });
  blocks.push({ type: 'actions', block_id: 'flow_list_actions', elements: buttons });
  return fitted({ text: `${rows.length} flow-control keys, ${paused} paused`, blocks });
}
