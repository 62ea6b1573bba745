import type { CommandProblem, PinProblem, RampOptionProblem } from '../../core/commands/flow-command.js';
import { formatDuration } from '../../core/durations.js';
import type { PatternProblem } from '../../core/glob.js';
import type { KeyProblem } from '../../core/keys.js';
import type { RampPlanProblem } from '../../core/ramp/ramp-plan.js';
import { code, formatCount, formatPeriod } from './mrkdwn.js';

/**
 * Input Flowbot could not use, in words. Every function here returns mrkdwn: whatever the person typed is
 * shown through `code()` (escaped, backticks neutralised), so the words can go into a message as they are.
 */

type Quote = (text: string) => string;

function keyProblemWords(problem: KeyProblem | PatternProblem, noun: string, quote: Quote): string {
  switch (problem.code) {
    case 'empty':
      return `The ${noun} is empty.`;
    case 'too_long':
      return `That ${noun} is ${formatCount(problem.length)} characters long; flow-control keys are at most ${problem.max}.`;
    case 'control_characters':
      return `The ${noun} contains control characters.`;
    case 'spaces':
      return `The ${noun} contains spaces; give one key at a time.`;
    case 'dot_segment':
      // As a pattern it has no wildcard, so it could only ever match a key of that name, which none has.
      return noun === 'key'
        ? `${quote(problem.key)} cannot be a flow-control key.`
        : `${quote(problem.key)} cannot be a flow-control ${noun}: no key is named \`.\` or \`..\`.`;
    case 'broken_unicode':
      return `The ${noun} is not valid text (broken Unicode).`;
    case 'unknown_environment':
      return `${quote(problem.name)} is not a configured QStash environment. Known environments: ${problem.known.map(quote).join(', ')}.`;
    case 'too_many_wildcards':
      return `That ${noun} has ${formatCount(problem.count)} wildcards; patterns have at most ${problem.max} (\`*\` and \`?\` together).`;
  }
}

/** Why a key (or, with `noun`, a pattern) can't be used. */
export function describeKeyProblem(
  problem: KeyProblem | PatternProblem,
  noun: 'key' | 'pattern' = 'key',
): string {
  return keyProblemWords(problem, noun, code);
}

/** The same in plain text, for JSON answers to alert senders (no mrkdwn there). */
export function describeKeyProblemPlain(problem: KeyProblem): string {
  return keyProblemWords(problem, 'key', (text) => `\`${text}\``);
}

const RAMP_USAGE = `Usage: ${code('/flow ramp <key> [from rate=N | from parallelism=N] [over 10m]')}.`;

/** A ramp option that can't be used, with the usage. */
export function describeRampOptionProblem(problem: RampOptionProblem): string {
  switch (problem.code) {
    case 'bad_start':
      return `${code(`from ${problem.text}`)} is not a starting limit. ${RAMP_USAGE}`;
    case 'bad_duration':
      return `${code(`over ${problem.text}`)} is not a ramp duration: from 10s to 24h, e.g. \`over 10m\`. ${RAMP_USAGE}`;
    case 'not_an_option':
      return `${code(problem.word)} is not a ramp option. ${RAMP_USAGE}`;
  }
}

export function describePinProblem(problem: PinProblem): string {
  switch (problem.code) {
    case 'nothing_to_pin':
      return 'Say what to pin: `parallelism=N`, `rate=N` and/or `period=30s|5m|1h` (period goes with rate).';
    case 'not_a_setting':
      return `${code(problem.word)} is not a pin setting; use \`parallelism=N\`, \`rate=N\`, \`period=30s|5m|1h\`.`;
    case 'given_twice':
      return `${code(problem.name)} is given twice.`;
    case 'bad_period':
      return `${code(`period=${problem.text}`)} is not a period; use a duration such as \`30s\`, \`5m\` or \`1h\` (at most ${formatDuration(problem.maxSeconds)}).`;
    case 'bad_number':
      return `${code(`${problem.name}=${problem.text}`)} must be a whole number from 1 to ${formatCount(problem.max)}.`;
    case 'period_without_rate':
      return '`period` goes with `rate`: for example `rate=50 period=1m`.';
  }
}

/** What was wrong with a `/flow` command, for the help shown in its acknowledgement. */
export function describeCommandProblem(problem: CommandProblem): string {
  switch (problem.code) {
    case 'missing_key':
      return 'Which key? Give the flow-control key after the subcommand.';
    case 'key':
      return describeKeyProblem(problem.problem);
    case 'one_key_only':
      return `${code(problem.subcommand)} takes one key; keys cannot contain spaces.`;
    case 'bad_pause_duration':
      return `${code(`for ${problem.text}`)} is not a pause duration; use something like \`for 15m\` or \`for 2h\` (at most ${formatDuration(problem.maxSeconds)}).`;
    case 'reason_too_long':
      return `The reason is too long (at most ${problem.max} characters).`;
    case 'reason_control_characters':
      return 'The reason contains control characters.';
    case 'pin':
      return describePinProblem(problem.problem);
    case 'bad_unpin':
      return 'Say what to unpin: `parallelism`, `rate` or `all`.';
    case 'list_arguments':
      return '`list` takes at most one pattern, e.g. `orders-*`.';
    case 'pattern':
      return describeKeyProblem(problem.problem, 'pattern');
    case 'global_arguments':
      return '`global` takes at most one environment name.';
    case 'unknown_environment':
      return `${code(problem.name)} is not a configured QStash environment.`;
    case 'ramp':
      return describeRampOptionProblem(problem.problem);
    case 'no_arguments':
      return `${code(problem.subcommand)} takes no arguments.`;
    case 'can_usage':
      return `Usage: ${code('/flow can <action> <key>')}, e.g. \`/flow can pause orders-eu\`.`;
    case 'not_an_action':
      return `${code(problem.text)} is not an action; actions are ${problem.actions.join(', ')}.`;
    case 'unknown_subcommand':
      return `${code(problem.text)} is not a Flowbot command.`;
  }
}

/** "5/s", "50 per 1m", "12 in parallel". */
export function describeLimit(
  mode: 'rate' | 'parallelism',
  value: number,
  period: number | undefined,
): string {
  if (mode === 'parallelism') return `${formatCount(value)} in parallel`;
  if (period === undefined || period === 1) return `${formatCount(value)}/s`;
  return `${formatCount(value)} per ${formatPeriod(period)}`;
}

/** Why no ramp can be planned for the key as it is. */
export function describeRampPlanProblem(problem: RampPlanProblem): string {
  switch (problem.code) {
    case 'no_limit':
      return `This key has no rate or parallelism limit to ramp up to: it delivers as fast as it can once resumed. Pin a limit first (${code('/flow pin <key> rate=N')}), or resume it.`;
    case 'no_mode_limit':
      return problem.mode === 'rate'
        ? 'This key has no rate limit to ramp up to. Ramp parallelism instead (`from parallelism=N`), or pin a rate first.'
        : 'This key has no parallelism limit to ramp up to. Ramp its rate instead (`from rate=N`), or pin a limit first.';
    case 'limit_too_low':
      return `The key’s ${problem.mode} limit is ${problem.limit}; there is nothing to ramp.`;
    case 'bad_start':
      return 'The starting limit must be a whole number of at least 1.';
    case 'start_not_below':
      return `Start below the key’s ${problem.mode} limit (${problem.limit}); ${code(`from ${problem.mode}=${problem.start}`)} would not ramp.`;
    case 'bad_duration':
      return `A ramp lasts from ${formatDuration(problem.minSeconds)} to ${formatDuration(problem.maxSeconds)}.`;
  }
}
