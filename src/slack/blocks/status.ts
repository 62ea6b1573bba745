import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { KeyRef } from '../../core/keys.js';
import { estimateDrain } from '../../core/qstash/drain.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { STATUS_BLOCK_PREFIX } from './action-ids.js';
import { pauseButton, refreshButton, resumeButton } from './buttons.js';
import { drainWords, ratePeriodEnd } from './drain.js';
import { fitted } from './fit.js';
import { escapeMrkdwn, formatCount, formatPeriod, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { RAMP_WORTHY_WAITLIST, resumeGraduallyButton } from './ramp.js';
import type { SlackMessage } from './types.js';

function limit(count: number, max: number | undefined, unit = ''): string {
  if (max === undefined) return 'not limited';
  return `${formatCount(count)} / ${formatCount(max)}${unit}`;
}

function pinned(state: FlowKeyState): string {
  const parts = [state.pinnedParallelism ? 'parallelism' : '', state.pinnedRate ? 'rate' : ''].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join(' and ') : 'nothing (settings follow incoming messages)';
}

/** A key at a glance, with the sensible next step: Resume when paused, Pause when delivering, and Refresh. */
export function statusMessage(
  target: KeyRef,
  state: FlowKeyState,
  naming: KeyNaming,
  /** `note` is mrkdwn: the blocks' own words (`noteFromOutcome`), outside text already escaped. */
  options: { note?: string; at?: Date } = {},
): SlackMessage {
  const key = keyLabel(target, naming);
  const headline = state.paused
    ? `:double_vertical_bar: ${key} is *paused*: nothing is delivered; new messages join the waitlist.`
    : `:arrow_forward: ${key} is *delivering*.`;
  const environment =
    naming.environmentCount > 1 ? `\n*Environment:* ${escapeMrkdwn(target.environment)}` : '';
  const period = state.ratePeriod === undefined ? '' : ` per ${formatPeriod(state.ratePeriod)}`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `${STATUS_BLOCK_PREFIX}_head`,
      text: { type: 'mrkdwn', text: `${headline}${environment}` },
    },
    {
      type: 'section',
      block_id: `${STATUS_BLOCK_PREFIX}_fields`,
      fields: [
        { type: 'mrkdwn', text: `*Waiting*\n${formatCount(state.waitlistSize)}` },
        {
          type: 'mrkdwn',
          text: `*In flight (parallelism)*\n${limit(state.parallelismCount, state.parallelismMax)}`,
        },
        { type: 'mrkdwn', text: `*Rate*\n${limit(state.rateCount, state.rateMax, period)}` },
        {
          type: 'mrkdwn',
          text: `*Rate period started*\n${state.ratePeriodStart ? slackDate(new Date(state.ratePeriodStart * 1000)) : '—'}`,
        },
        { type: 'mrkdwn', text: `*Pinned*\n${pinned(state)}` },
        {
          type: 'mrkdwn',
          text: `*Time to drain*\n${drainWords(estimateDrain(state, (options.at ?? new Date()).getTime()))}`,
        },
        {
          type: 'mrkdwn',
          text: `*Rate period ends*\n${ratePeriodEnd(state, options.at ?? new Date()) ?? '—'}`,
        },
      ],
    },
  ];
  const context = [`Checked ${slackDate(options.at ?? new Date())}`];
  if (options.note) context.unshift(options.note);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: `${STATUS_BLOCK_PREFIX}_actions`,
    elements: [
      state.paused ? resumeButton(target, naming) : pauseButton(target, naming),
      ...(state.paused && state.waitlistSize >= RAMP_WORTHY_WAITLIST
        ? [resumeGraduallyButton(target, naming)]
        : []),
      refreshButton(target, naming),
    ],
  };
  blocks.push(actions);
  const plain = `${escapeMrkdwn(target.key)}: ${state.paused ? 'paused' : 'delivering'}, ${formatCount(state.waitlistSize)} waiting`;
  return fitted({ text: plain, blocks });
}

export function isStatusCard(blocks: readonly unknown[] | undefined): boolean {
  return (blocks ?? []).some(
    (block) =>
      !!block &&
      typeof block === 'object' &&
      String((block as { block_id?: unknown }).block_id ?? '').startsWith(STATUS_BLOCK_PREFIX),
  );
}
