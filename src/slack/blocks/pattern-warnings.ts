import type { MissingGroup, MissingGroupReason } from '../../core/access/types.js';
import type { ConfigWarning } from '../../core/alerts/watch-warnings.js';
import type { KeyPatternProblem } from '../../core/key-patterns.js';
import { MAX_KEY_LENGTH } from '../../core/keys.js';
import type { PatternWarning, PolicyWarning, RuleRef } from '../../core/policy/policy-warnings.js';
import { truncate } from './mrkdwn.js';

/**
 * The words for patterns that can never match, in one place for every surface that shows them: `literal`
 * formats a pattern or name as the surface needs (inline code in Slack, a JSON string in a log line).
 */
export type Literal = (text: string) => string;

/** Patterns can be 256 characters long; a warning shows enough to recognise one. */
const SHOWN = 60;

export function keyPatternReason(reason: KeyPatternProblem): string {
  switch (reason) {
    case 'empty':
      return 'an empty pattern matches no key';
    case 'control_characters':
      return 'keys can’t contain control characters';
    case 'whitespace':
      return 'keys can’t contain spaces';
    case 'broken_unicode':
      return 'it contains broken Unicode, which no key can';
    case 'too_long':
      return `even its shortest match is longer than ${MAX_KEY_LENGTH} characters, the longest a key can be`;
    case 'dot_segment':
      return 'no key can be `.` or `..`';
  }
}

/**
 * One sentence: what the pattern is and why it never matches. An environment that isn't configured also says
 * what follows (`consequence`: "so it never applies" for a rule; an approval rule says what it never does).
 */
export function patternWarningText(
  warning: PatternWarning,
  literal: Literal,
  consequence = 'so it never applies',
): string {
  const pattern = literal(truncate(warning.pattern, SHOWN));
  switch (warning.code) {
    case 'environment_not_configured': {
      const configured = warning.configured.map((name) => literal(name)).join(', ');
      return `environment ${pattern} matches no configured QStash environment (configured: ${configured}), ${consequence}`;
    }
    case 'key_pattern_never_matches':
      return `key pattern ${pattern} can never match: ${keyPatternReason(warning.reason)}`;
  }
}

/** `rules[2] ("on-call")`: where a warning points in the policy file. */
export function ruleRefText(rule: RuleRef, literal: Literal): string {
  const where = `${rule.list}[${rule.index}]`;
  return rule.name === undefined ? where : `${where} (${literal(truncate(rule.name, SHOWN))})`;
}

/** A policy warning as a line of the startup log: where in the file, then what. */
export function policyWarningLogText(warning: PolicyWarning): string {
  return `policy file: ${ruleRefText(warning.rule, JSON.stringify)}: ${patternWarningText(warning, JSON.stringify)}`;
}

/** A configuration warning as a line of the startup log. */
export function configWarningLogText(warning: ConfigWarning): string {
  const pattern = JSON.stringify(truncate(warning.pattern, SHOWN));
  const hint = warning.reason === 'whitespace' ? ' (separate several patterns with commas)' : '';
  return `${warning.variable}: pattern ${pattern} can never match: ${keyPatternReason(warning.reason)}${hint}; the watcher ignores it`;
}

/** Why a user group named in the policy names nobody. */
function missingGroupReason(group: string, reason: MissingGroupReason, literal: Literal): string {
  return reason === 'no_user_groups'
    ? `user group ${literal(group)} can’t name anyone: this workspace’s Slack plan has no user groups`
    : `user group ${literal(group)} does not exist`;
}

/** Where a missing group is named: `rules[2]` (with the rule's name in the log), or FLOW_ALLOWED_USERS. */
function missingGroupWhere(missing: MissingGroup, literal: Literal, named: boolean): string {
  if (missing.rule === undefined) return 'FLOW_ALLOWED_USERS';
  return named ? ruleRefText(missing.rule, literal) : `${missing.rule.list}[${missing.rule.index}]`;
}

/**
 * `/flow whoami`'s line: "user group `S0ENGINEER` does not exist (rules[2])", and what that means (Slack
 * knows no enabled group by that ID, so the rule names nobody through it).
 */
export function missingGroupText(missing: MissingGroup, literal: Literal): string {
  const meaning =
    missing.reason === 'no_user_groups'
      ? 'the rule names nobody through it'
      : 'Slack knows no enabled group by that ID, so the rule names nobody through it';
  return `${missingGroupReason(missing.group, missing.reason, literal)} (${missingGroupWhere(missing, literal, false)}): ${meaning}`;
}

/** A missing group as a line of the log, at startup and after a reload. */
export function missingGroupLogText(missing: MissingGroup): string {
  const where =
    missing.rule === undefined
      ? 'FLOW_ALLOWED_USERS'
      : `policy file: ${missingGroupWhere(missing, JSON.stringify, true)}`;
  const effect =
    missing.rule === undefined
      ? 'it grants nobody'
      : 'the rule applies to nobody through it (a deny rule denies them nothing; an allow rule grants them nothing)';
  return `${where}: ${missingGroupReason(missing.group, missing.reason, JSON.stringify)} (or is disabled), so ${effect}`;
}
