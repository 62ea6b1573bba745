import type {
  AccessRefusal,
  FlowAction,
  NearMiss,
  NotGrantedScope,
  ScopeMiss,
} from '../../core/access/types.js';
import type { Refusal } from '../../core/operations/refusal.js';
import { describeRampPlanProblem } from './input-problems.js';
import { code, escapeMrkdwn, mention, plural, rateLimitWords, truncate } from './mrkdwn.js';
import { explainSlackError } from './slack-error.js';
import type { SlackMessage } from './types.js';

/**
 * Whom a refusal is about: the person reading it (`you`), or someone else, for scheduled work done in their
 * name and told to the channel (`they`).
 */
export type Person = 'you' | 'they';

const WORDS = {
  you: { subject: 'you', object: 'you', possessive: 'your', are: 'You are' },
  they: { subject: 'they', object: 'them', possessive: 'their', are: 'They are' },
} as const;

function why(scope: Exclude<NotGrantedScope, 'not_listed'>, person: Person): string {
  const their = WORDS[person].possessive;
  switch (scope) {
    case 'deny_rule':
      return 'a deny rule covers it';
    case 'other_channels':
      return `${their} access to it is limited to other channels`;
    case 'not_covered':
      return `${their} access doesn’t cover it`;
  }
}

/** Why an action needs another the person was refused. */
function needs(asked: FlowAction, refused: FlowAction): string {
  if (asked === 'pause' && refused === 'resume')
    return 'Flowbot resumes a timed pause for you when the time is up';
  if (asked === 'ramp' && refused === 'pause') return 'aborting a ramp pauses the key again';
  if (asked === 'ramp')
    return 'a ramp resumes the key, pins its limit step by step and puts its pinning back at the end';
  return `${asked} takes ${refused}`;
}

function accessWords(refusal: AccessRefusal, asked: FlowAction, person: Person): string {
  const words = WORDS[person];
  if (refusal.code === 'directory_unavailable')
    return `Flowbot could not check ${words.possessive} user-group membership because Slack did not answer. Nothing was changed; try again in a moment.`;
  if (refusal.code === 'other_team')
    return person === 'you'
      ? `${otherTeamWords(refusal.team)} Nothing was changed.`
      : `They are in another Slack workspace or organisation (${code(refusal.team)}) than Flowbot’s, and its access policy does not name theirs.`;
  if (refusal.scope === 'not_listed')
    return person === 'you'
      ? 'You are not on Flowbot’s access list. Ask your Flowbot admin to add you or one of your user groups.'
      : 'They are not on Flowbot’s access list.';
  const what = refusal.onKey ? `${refusal.action} on this key` : refusal.action;
  const nearest = refusal.nearest ? ` ${nearMissWords(refusal.nearest)}` : '';
  const policy = `Flowbot’s access policy does not let ${words.object} ${what}: ${why(refusal.scope, person)}.${nearest}`;
  const advice = person === 'you' ? ' Ask your Flowbot admin if you need it.' : '';
  if (refusal.action === asked || person === 'they') return `${policy}${advice}`;
  return `This needs ${code(refusal.action)} as well (${needs(asked, refusal.action)}). ${policy}${advice}`;
}

const patterns = (values: readonly string[]) => values.map((value) => code(value)).join(', ');

function missWords(miss: ScopeMiss): string {
  switch (miss.scope) {
    case 'environment': {
      const named = `environment${miss.patterns.length > 1 ? 's' : ''} ${patterns(miss.patterns)}`;
      return miss.configured
        ? `it names ${named}, which ${miss.patterns.length > 1 ? 'are' : 'is'} not configured (configured: ${patterns(miss.configured)})`
        : `it covers only ${named}`;
    }
    case 'key':
      return `it covers only keys ${patterns(miss.patterns)}`;
    case 'channel':
      return `it applies only in ${miss.channels.map((channel) => `<#${channel}>`).join(', ')}`;
  }
}

/** Why the rule that would allow it doesn't apply here: the nearest miss, as `/flow whoami` shows its rules. */
function nearMissWords(nearest: NearMiss): string {
  const reasons = nearest.misses.map((miss) => missWords(miss));
  return `The rule _${escapeMrkdwn(truncate(nearest.rule, 80))}_ would allow it, but ${reasons.join(', and ')}.`;
}

/**
 * Why Flowbot did not do what was asked (`asked`), in words: never who else has access. mrkdwn: rule names
 * and the like are escaped here.
 */
export function describeRefusal(refusal: Refusal, asked: FlowAction, person: Person = 'you'): string {
  switch (refusal.code) {
    case 'not_granted':
    case 'directory_unavailable':
    case 'other_team':
      return accessWords(refusal, asked, person);
    case 'rate_limited': {
      const allowed = `Flowbot allows one person ${rateLimitWords(refusal.limit, refusal.windowMs)} (FLOW_RATE_LIMIT)`;
      if (refusal.wanted > refusal.limit)
        return `This counts as ${plural(refusal.wanted, 'change')} at once, and ${allowed}, so it can never go through as it is. Ask for less at a time (by pattern, a change counts one per 25 keys).`;
      const who = person === 'you' ? 'You have' : 'They have';
      return `${who} made ${rateLimitWords(refusal.used, refusal.windowMs)}, and ${allowed}. Try again in ${waitWords(refusal.retryAfterMs)}.`;
    }
    case 'approval_needs_channel':
      return 'This change needs approval, which only works in a channel.';
    case 'approval_unposted':
      return `It needs a second person’s approval, but Slack did not take the approval card in this channel (${escapeMrkdwn(explainSlackError(refusal.error ?? 'unknown'))}), so nobody could approve it.`;
    case 'approval_required':
      return person === 'you'
        ? `It needs a second person’s approval (${escapeMrkdwn(refusal.rule)}), which Flowbot can’t ask for from here. Ask with the command (\`/flow pause\`, \`/flow resume\`…), which posts an approval card.`
        : `It now needs a second person’s approval (${escapeMrkdwn(refusal.rule)}), which Flowbot can’t ask for on its own.`;
    case 'ramp_in_progress':
      return `A ramp is already in progress on this key (started by ${mention(refusal.startedBy)}).`;
    case 'ramp_unplannable':
      return describeRampPlanProblem(refusal.problem);
    case 'ramp_state_unknown':
      return 'QStash did not say what the key’s limits are, so no ramp can be planned; try again.';
    case 'overloaded':
      return overloadedWords(refusal.retryAfterMs);
  }
}

/** The overload refusal's words: nothing happened, and when to try again (whole seconds). */
export function overloadedWords(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `Flowbot is overloaded, nothing was changed, try again in ${seconds} s.`;
}

/**
 * The answer to a request Flowbot did not take on at all because it is overloaded (the front door's bound on
 * work in flight): the overload refusal's words, privately. `retryAfterMs` is rounded up to whole seconds.
 */
export function overloadedMessage(retryAfterMs: number): SlackMessage {
  const text = `:warning: ${overloadedWords(retryAfterMs)}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/**
 * Why a person of another Slack workspace or org (`team`: theirs, `T…`/`E…`) gets nothing from Flowbot, and what
 * they can do about it: the same words wherever they are refused (replies, the modal, the Home tab).
 */
export function otherTeamWords(team: string): string {
  return `You are in another Slack workspace or organisation (${code(team)}) than the one Flowbot is installed in, and its access policy does not name yours, so it acts only for its own workspace’s people here. Ask someone from that workspace, or its Flowbot admin to add your workspace to a rule.`;
}

/** A private answer to a person of another workspace or org that the policy does not name. */
export function otherTeamMessage(team: string): SlackMessage {
  const text = `:no_entry: ${otherTeamWords(team)} Nothing was changed.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/**
 * A wait (ms) in words, rounded up so that trying again then works: "1 second", "45 seconds", "12 minutes",
 * "2 hours 5 minutes".
 */
export function waitWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return plural(seconds, 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(rest, 'minute')}`;
}
