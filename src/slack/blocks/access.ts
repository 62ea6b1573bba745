import type { KnownBlock } from '@slack/types';
import type { FlowAction, Grant, MissingGroup } from '../../core/access/types.js';
import type { KeyRef } from '../../core/keys.js';
import type { Authorization } from '../../core/operations/authorize.js';
import type { PolicyWarning } from '../../core/policy/policy-warnings.js';
import { fitted } from './fit.js';
import { code, escapeMrkdwn, rateLimitWords, truncate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { missingGroupText, patternWarningText } from './pattern-warnings.js';
import { describeRefusal } from './refusal.js';
import type { SlackMessage } from './types.js';

const list = (values: readonly string[]) =>
  values.map((value) => (value === '*' ? 'all' : code(value))).join(', ');

/**
 * "do everything" (or, denied, "do anything") or the actions; "on every key" or "on keys `a`"; "in every
 * environment" or "in environment `prod`".
 */
function scopeWords(grant: Grant): string {
  const all = grant.effect === 'allow' ? 'do everything' : 'do anything';
  const actions = grant.actions.includes('*') ? all : list(grant.actions);
  const keys = grant.keys.includes('*') ? 'on every key' : `on keys ${list(grant.keys)}`;
  const environments = grant.environments.includes('*')
    ? 'in every environment'
    : `in environment${grant.environments.length > 1 ? 's' : ''} ${list(grant.environments)}`;
  return `${actions}, ${keys} ${environments}`;
}

/** Granted every action on every key in every environment from anywhere: someone who runs Flowbot. */
function grantsEverything(grant: Grant): boolean {
  return (
    grant.effect === 'allow' &&
    grant.actions.includes('*') &&
    grant.keys.includes('*') &&
    grant.environments.includes('*') &&
    grant.channels === undefined
  );
}

/** What `/flow whoami` says about bulk actions (patterns). */
export interface BulkLimitsFacts {
  readonly maxKeys: number;
  readonly keysPerRateUnit: number;
  /** `FLOW_RATE_LIMIT`, when on. */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
}

/**
 * `/flow whoami`: only the asker's own grants; never who else has access. Patterns of those grants that can
 * never match are flagged under them, and so are approval rules' (`approvalWarnings`: they say what needs a
 * second person, not who) and the user groups that don't exist (`missingGroups`); the caller passes only the
 * warnings that concern the asker. Someone granted everything is told to fix the file, anyone else to ask.
 */
export function whoamiMessage(
  grants: readonly Grant[],
  uncertain: boolean,
  approvalWarnings: readonly PolicyWarning[] = [],
  bulk?: BulkLimitsFacts,
  missingGroups: readonly MissingGroup[] = [],
): SlackMessage {
  const lines: string[] = [];
  if (grants.length === 0) {
    lines.push(
      'You have no access to Flowbot. Ask your Flowbot admin to add you or one of your user groups.',
    );
  } else {
    lines.push('*What you may do with Flowbot*');
    for (const grant of grants) {
      const verb = grant.effect === 'allow' ? ':white_check_mark: *may*' : ':no_entry: *may not*';
      const channels = grant.channels
        ? ` · only in ${grant.channels.map((channel) => `<#${channel}>`).join(', ')}`
        : '';
      const maxKeys = grant.maxKeys !== undefined ? ` · at most ${grant.maxKeys} keys per bulk request` : '';
      lines.push(`${verb} ${scopeWords(grant)}${channels}${maxKeys} _(${escapeMrkdwn(grant.rule)})_`);
      for (const warning of grant.warnings ?? [])
        lines.push(`        :warning: ${patternWarningText(warning, code)}.`);
    }
    if (grants.some((grant) => grant.effect === 'deny')) lines.push('A “may not” wins over any “may”.');
    const mayBulk = grants.some(
      (grant) => grant.effect === 'allow' && (grant.actions.includes('bulk') || grant.actions.includes('*')),
    );
    if (bulk && mayBulk)
      lines.push(
        `*Patterns* (\`*\`, \`?\`): one bulk request may change at most ${bulk.maxKeys} keys (each key still needs its own action granted), and counts as one change per ${bulk.keysPerRateUnit} keys against your rate limit${bulk.rateLimit ? ` (at most ${rateLimitWords(bulk.rateLimit.limit, bulk.rateLimit.windowMs)})` : ''}.`,
      );
    else if (bulk)
      lines.push(
        '*Patterns* (`*`, `?`): you may not act on keys by pattern (the `bulk` action is not granted).',
      );
  }
  for (const warning of approvalWarnings) {
    const rule = warning.rule.name === undefined ? `approvals[${warning.rule.index}]` : warning.rule.name;
    const text = patternWarningText(warning, code, 'so it never asks for a second person there');
    lines.push(
      `:warning: Approval rule _${escapeMrkdwn(truncate(rule, 80))}_: ${text}${warning.code === 'environment_not_configured' ? '' : ', so it never asks for a second person there'}.`,
    );
  }
  for (const missing of missingGroups) lines.push(`:warning: ${missingGroupText(missing, code)}.`);
  if (grants.some((grant) => grant.warnings) || approvalWarnings.length > 0 || missingGroups.length > 0)
    lines.push(
      grants.some(grantsEverything)
        ? '_These are in the policy file (`FLOW_POLICY_FILE`): correct it there; Flowbot reloads it when it changes._'
        : '_Ask your Flowbot admin to correct the policy file._',
    );
  if (uncertain)
    lines.push(
      ':warning: Some of your user groups could not be checked (Slack did not answer); there may be more.',
    );
  return fitted({ text: truncate(lines.join('\n'), FALLBACK_MAX), blocks: sections(lines) });
}

/** Slack's limits: 3,000 characters in a section's text, 50 blocks in a message. */
const SECTION_MAX = 3_000;
const BLOCKS_MAX = 50;
/** The notification fallback only needs the start. */
const FALLBACK_MAX = 3_000;

/** Lines grouped into as few sections as fit; what would not fit in a message is cut with a note. */
function sections(lines: readonly string[]): KnownBlock[] {
  const texts: string[] = [];
  let current = '';
  for (const line of lines) {
    const piece = truncate(line, SECTION_MAX);
    if (current !== '' && current.length + 1 + piece.length > SECTION_MAX) {
      texts.push(current);
      current = piece;
    } else current = current === '' ? piece : `${current}\n${piece}`;
  }
  if (current !== '') texts.push(current);
  if (texts.length > BLOCKS_MAX) {
    texts.splice(BLOCKS_MAX - 1);
    texts.push('_…and more rules than fit in one message._');
  }
  return texts.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

/** `/flow can <action> <key>`: yes or no, with the reason. */
export function canMessage(
  action: FlowAction,
  target: KeyRef,
  decision: Authorization,
  naming: KeyNaming,
): SlackMessage {
  const key = keyLabel(target, naming);
  let text: string;
  if (decision.kind === 'refused')
    text = `:no_entry: *No*, you can’t ${action} ${key}. ${describeRefusal(decision.refusal, action)}`;
  else if (decision.approval) {
    text = `:lock: *Yes, with approval*: you may ${action} ${key}, but a second person must approve it first (${escapeMrkdwn(decision.approval.rule)}).`;
  } else
    text = `:white_check_mark: *Yes*, you may ${action} ${key} (granted by ${escapeMrkdwn(decision.grantedBy)}).`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
