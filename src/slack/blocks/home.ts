import type { Button, HomeView, KnownBlock } from '@slack/types';
import type { HomeSnapshot } from '../../core/catalog/home-snapshot.js';
import type { CatalogKey } from '../../core/catalog/key-catalog.js';
import type { RecentChange } from '../../core/catalog/recent-changes.js';
import type { Source } from '../../core/operations/change.js';
import { estimateDrain } from '../../core/qstash/drain.js';
import { whoamiMessage } from './access.js';
import { ACTION_IDS } from './action-ids.js';
import { approvalButtons } from './approval.js';
import { buttonValue, hasKeyButtons, resumeButton } from './buttons.js';
import { drainWords } from './drain.js';
import { describeLimit } from './input-problems.js';
import { summarizeState } from './key-state.js';
import { code, escapeAndTruncate, escapeMrkdwn, mention, plural, slackDate, truncate } from './mrkdwn.js';
import { actionVerb, type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { otherTeamWords } from './refusal.js';
import { VIEW_ACTION_IDS } from './surface-ids.js';

/** Slack's limit for a Home tab. */
export const MAX_HOME_BLOCKS = 100;
/** Keys listed one per block with their button; the rest are counted. */
export const HOME_KEYS = 20;
const HOME_APPROVALS = 10;
const SECTION_TEXT = 3_000;
const LINES = 12;

const PAST: Record<string, string> = {
  pause: 'paused',
  resume: 'resumed',
  pin: 'pinned',
  unpin: 'unpinned',
  'reset-rate': 'reset the rate of',
  ramp: 'started a ramp on',
};

/** What started a change, as the Home tab's recent changes name it (every source: the union is closed). */
const SOURCE: Record<Source, string> = {
  command: 'command',
  button: 'button',
  confirm: 'confirmation',
  approval: 'approval',
  timer: 'timed pause',
  ramp: 'ramp',
  modal: 'Flow control',
  home: 'Home tab',
  workflow: 'workflow',
  shortcut: 'shortcut',
  bulk: 'bulk action',
  alert: 'alert',
};

function section(text: string, blockId?: string): KnownBlock {
  return {
    type: 'section',
    ...(blockId ? { block_id: blockId } : {}),
    text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT) },
  };
}

function heading(text: string): KnownBlock[] {
  return [{ type: 'divider' }, { type: 'header', text: { type: 'plain_text', text, emoji: true } }];
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT) }] };
}

/** Lines as one section, as many as fit; the rest counted. */
function lines(items: readonly string[], more: (hidden: number) => string): KnownBlock {
  const shown: string[] = [];
  let length = 0;
  for (const item of items.slice(0, LINES)) {
    if (length + item.length + 1 > SECTION_TEXT - 120) break;
    shown.push(item);
    length += item.length + 1;
  }
  const hidden = items.length - shown.length;
  return section(hidden > 0 ? `${shown.join('\n')}\n${more(hidden)}` : shown.join('\n'));
}

/** A key needing attention; one delivering with a waitlist says how long it takes to drain (from `at`, ms). */
function keyBlock(entry: CatalogKey, naming: KeyNaming, at: number): KnownBlock {
  const drain =
    !entry.state.paused && entry.state.waitlistSize > 0
      ? `\nTime to drain: ${drainWords(estimateDrain(entry.state, at))}`
      : '';
  const text = {
    type: 'mrkdwn' as const,
    text: truncate(`${keyLabel(entry.ref, naming)}\n${summarizeState(entry.state)}${drain}`, SECTION_TEXT),
  };
  if (!hasKeyButtons(entry.ref)) return { type: 'section', text };
  const accessory: Button = entry.state.paused
    ? resumeButton(entry.ref, naming)
    : {
        type: 'button',
        action_id: ACTION_IDS.status,
        text: { type: 'plain_text', text: 'Status', emoji: true },
        value: buttonValue(entry.ref, naming),
      };
  return { type: 'section', text, accessory };
}

function recentLine(change: RecentChange, naming: KeyNaming): string {
  // Stored by any replica, possibly of another version: an unknown source is shown as it is, escaped.
  const via = Object.hasOwn(SOURCE, change.source)
    ? SOURCE[change.source as Source]
    : escapeMrkdwn(change.source);
  const approved = change.approvedBy ? `, approved by ${mention(change.approvedBy)}` : '';
  return `${slackDate(new Date(change.at))} · ${mention(change.actorId)} ${PAST[change.action] ?? escapeMrkdwn(change.action)} ${keyLabel(change.target, naming)} _(${via}${approved})_`;
}

function freshness(snapshot: HomeSnapshot, naming: KeyNaming): string {
  const parts = [`Updated ${slackDate(new Date(snapshot.at))}`];
  const read = snapshot.environments
    .map((environment) => environment.fetchedAt)
    .filter((at): at is number => at !== undefined);
  if (read.length > 0) parts.push(`QStash read ${slackDate(new Date(Math.min(...read)))}`);
  else parts.push('reading QStash…');
  for (const environment of snapshot.environments) {
    if (environment.error) {
      const where = naming.environmentCount > 1 ? `Environment ${code(environment.environment)}` : 'QStash';
      parts.push(
        `:warning: ${where} could not be read: ${escapeAndTruncate(describeQStashError(environment.error), 300)}`,
      );
    }
  }
  return parts.join(' · ');
}

/** What someone without access sees: how to get it, and nothing about any key. */
function noAccess(snapshot: HomeSnapshot): KnownBlock[] {
  if (snapshot.foreignTeam !== undefined)
    return [
      { type: 'header', text: { type: 'plain_text', text: 'Flowbot', emoji: true } },
      section(`:lock: ${otherTeamWords(snapshot.foreignTeam)}`),
    ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Flowbot', emoji: true } },
    section(':lock: *You don’t have access to Flowbot yet.*'),
    section(
      `Flowbot lets on-call engineers check, pause and resume QStash flow-control keys from Slack. To use it, ask your Flowbot admin to add your Slack user ID ${code(snapshot.userId)} (or one of your user groups) to \`FLOW_ALLOWED_USERS\` or to a rule in Flowbot’s policy file.`,
    ),
  ];
  if (snapshot.uncertain)
    blocks.push(
      context(
        ':warning: Some of your user groups could not be checked because Slack did not answer; if one of them has access, this tab will show it next time.',
      ),
    );
  return blocks;
}

/**
 * A person's Home tab: what needs attention in the environments they may see (paused keys, long waitlists,
 * each with the same Resume or Status button as elsewhere), approvals waiting for them (the approval card's own
 * Approve and Reject), ramps and timed pauses in progress, recent changes, and what they may do. Always within
 * Slack's 100 blocks; every outside string escaped.
 */
export function homeView(snapshot: HomeSnapshot, naming: KeyNaming): HomeView {
  if (!snapshot.hasAccess) return { type: 'home', blocks: noAccess(snapshot) };
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Flow control', emoji: true } },
    context(freshness(snapshot, naming)),
    {
      type: 'actions',
      block_id: 'flow_home_actions',
      elements: [
        {
          type: 'button',
          action_id: VIEW_ACTION_IDS.homeOpen,
          style: 'primary',
          text: { type: 'plain_text', text: 'Flow control…', emoji: true },
          value: 'open',
        },
        {
          type: 'button',
          action_id: VIEW_ACTION_IDS.homeRefresh,
          text: { type: 'plain_text', text: 'Refresh', emoji: true },
          value: 'refresh',
        },
      ],
    },
  ];

  blocks.push(...heading('Needs attention'));
  const waiting = snapshot.attention.filter((entry) => !entry.state.paused).length;
  if (snapshot.attention.length === 0) {
    blocks.push(
      section(
        snapshot.environments.some((environment) => environment.fetchedAt !== undefined)
          ? `:white_check_mark: No paused keys and no long waitlists among the ${plural(snapshot.visibleCount, 'key')} you can see.`
          : ':hourglass_flowing_sand: Reading the keys from QStash; this tab updates by itself.',
      ),
    );
  } else {
    blocks.push(
      context(
        `${plural(snapshot.pausedCount, 'paused key')} · ${plural(waiting, 'key')} with a long waitlist · ${plural(snapshot.visibleCount, 'key')} you can see`,
      ),
    );
    for (const entry of snapshot.attention.slice(0, HOME_KEYS))
      blocks.push(keyBlock(entry, naming, snapshot.at));
    const hidden = snapshot.attention.length - HOME_KEYS;
    if (hidden > 0)
      blocks.push(context(`…and ${plural(hidden, 'more key')}. \`/flow list\` in a channel shows them all.`));
  }

  if (snapshot.approvals.length > 0) {
    blocks.push(...heading('Waiting for your approval'));
    for (const request of snapshot.approvals.slice(0, HOME_APPROVALS)) {
      const reason =
        request.change.action === 'pause' && request.change.reason
          ? `\n>${escapeAndTruncate(request.change.reason, 500)}`
          : '';
      blocks.push(
        section(
          `${mention(request.requesterId)} asks to *${actionVerb(request.change.action)}* ${keyLabel(request.change.target, naming)} · expires ${slackDate(new Date(request.expiresAt))}${reason}`,
        ),
        approvalButtons(request.id, `flow_home_approval_${request.id}`),
      );
    }
    if (snapshot.approvals.length > HOME_APPROVALS)
      blocks.push(context(`…and ${plural(snapshot.approvals.length - HOME_APPROVALS, 'more request')}.`));
  }

  if (snapshot.ownRequests.length > 0) {
    blocks.push(...heading('Your requests'));
    blocks.push(
      lines(
        snapshot.ownRequests.map(
          (request) =>
            `:lock: *${actionVerb(request.change.action)}* ${keyLabel(request.change.target, naming)}: waiting for a second person, expires ${slackDate(new Date(request.expiresAt))}`,
        ),
        (hidden) => `…and ${plural(hidden, 'more')}.`,
      ),
    );
  }

  if (snapshot.ramps.length > 0) {
    blocks.push(...heading('Ramps in progress'));
    blocks.push(
      lines(
        snapshot.ramps.map((ramp) => {
          const { plan } = ramp;
          const current = plan.values[ramp.stepIndex] ?? plan.values[0] ?? 1;
          const full = plan.values.at(-1) ?? current;
          const status = ramp.status === 'running' ? 'ramping up' : ramp.status === 'held' ? 'held' : 'stuck';
          return `${keyLabel(ramp.target, naming)}: ${status}, ${describeLimit(plan.mode, current, plan.period)} of ${describeLimit(plan.mode, full, plan.period)} (step ${ramp.stepIndex + 1} of ${plan.values.length}), started by ${mention(ramp.startedBy)}`;
        }),
        (hidden) => `…and ${plural(hidden, 'more ramp')}.`,
      ),
    );
  }

  if (snapshot.timedPauses.length > 0) {
    blocks.push(...heading('Timed pauses'));
    blocks.push(
      lines(
        snapshot.timedPauses.map(
          (timer) =>
            `${keyLabel(timer.target, naming)} resumes ${slackDate(new Date(timer.dueAt))}, paused by ${mention(timer.actorId)}${timer.reason ? `: ${escapeAndTruncate(timer.reason, 200)}` : ''}`,
        ),
        (hidden) => `…and ${plural(hidden, 'more timed pause')}.`,
      ),
    );
  }

  if (snapshot.recent.length > 0) {
    blocks.push(...heading('Recent changes'));
    blocks.push(
      lines(
        snapshot.recent.map((change) => recentLine(change, naming)),
        (hidden) => `…and ${plural(hidden, 'earlier change')}.`,
      ),
    );
  }

  blocks.push(...heading('What you may do'));
  const whoami = whoamiMessage(snapshot.grants, snapshot.uncertain).text;
  blocks.push(section(whoami.replace(/^\*What you may do with Flowbot\*\n/, '')));
  blocks.push(
    context(
      'Buttons here act as they do in channels: Resume resumes at once, Approve and Reject decide the request. Private answers come to your messages with Flowbot.',
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, MAX_HOME_BLOCKS) };
}
