import type { Subcommand } from '../../core/commands/flow-command.js';
import { formatDuration } from '../../core/durations.js';
import { DEFAULT_RAMP_SECONDS, MAX_RAMP_SECONDS, MIN_RAMP_SECONDS } from '../../core/ramp/ramp-plan.js';
import { fitted } from './fit.js';
import { escapeMrkdwn } from './mrkdwn.js';
import type { SlackMessage } from './types.js';

interface Topic {
  readonly usage: string;
  readonly summary: string;
  readonly details: string;
}

/**
 * Topics beyond the subcommands: `/flow help patterns` (a pattern goes where a key goes in the change
 * subcommands, so it has no subcommand of its own).
 */
const EXTRA_TOPICS = ['patterns'] as const;

/** Every subcommand has a topic (the type makes a new subcommand without one an error), and so do the extras. */
const TOPICS: { readonly [T in Subcommand | (typeof EXTRA_TOPICS)[number]]: Topic } = {
  status: {
    usage: '/flow status <key>',
    summary: 'waitlist, paused or delivering, limits and pins of one key',
    details:
      'Shows the key privately, with a Resume (when paused) or Pause button and Refresh.\nExample: `/flow status orders-eu`',
  },
  list: {
    usage: '/flow list [pattern]',
    summary: 'all keys, paused first, then by waitlist',
    details:
      'A pattern narrows the list: `*` matches anything, `?` one character.\nExamples: `/flow list`, `/flow list orders-*`, `/flow list staging:*` (one environment).\nThe key `$` holds messages published without a flow-control key.',
  },
  pause: {
    usage: '/flow pause <key> [for 15m] [reason…]',
    summary: 'stop delivery, optionally for a while (asks you to confirm)',
    details:
      'Shows you the live state and asks you to confirm; then tells the channel. With `for &lt;duration&gt;` Flowbot resumes the key by itself when the time is up.\nExamples: `/flow pause orders-eu payments API returning 503s`, `/flow pause orders-eu for 15m deploy`',
  },
  resume: {
    usage: '/flow resume <key>',
    summary: 'start delivery again (acts at once; same as /flow-resume)',
    details:
      'Resumes at once and tells the channel how many waiting messages it released.\nExample: `/flow resume orders-eu`',
  },
  pin: {
    usage: '/flow pin <key> parallelism=N rate=N period=30s|5m|1h',
    summary: 'fix limits regardless of what messages ask for (asks you to confirm)',
    details:
      'Any subset of the settings; `period` goes with `rate`. Pinning resets the key’s rate count and period.\nExamples: `/flow pin orders-eu parallelism=5`, `/flow pin orders-eu rate=50 period=1m`',
  },
  unpin: {
    usage: '/flow unpin <key> parallelism|rate|all',
    summary: 'let incoming messages set the limits again (asks you to confirm)',
    details: 'Example: `/flow unpin orders-eu all`',
  },
  'reset-rate': {
    usage: '/flow reset-rate <key>',
    summary: 'end the current rate period now (asks you to confirm)',
    details: 'Example: `/flow reset-rate orders-eu`',
  },
  ramp: {
    usage: '/flow ramp <key> [from rate=N|from parallelism=N] [over 10m]',
    summary: 'resume gradually: start at a low limit and raise it step by step (asks you to confirm)',
    details: `Shows the plan first. Without \`from\` it starts at 10% of the key’s limit; without \`over\` it reaches the limit in ${formatDuration(DEFAULT_RAMP_SECONDS)} (\`over\` from ${formatDuration(MIN_RAMP_SECONDS)} to ${formatDuration(MAX_RAMP_SECONDS)}). A progress message in the channel has Pause ramp, Continue, Finish now and Abort; at the end the key’s pinning is put back exactly as it was.\nExamples: \`/flow ramp orders-eu\`, \`/flow ramp orders-eu from rate=5 over 30m\``,
  },
  global: {
    usage: '/flow global [environment]',
    summary: 'global parallelism: in use and maximum',
    details: 'Example: `/flow global`',
  },
  whoami: {
    usage: '/flow whoami',
    summary: 'what you may do: actions, keys, environments, channels',
    details: 'Shows only your own access, privately.',
  },
  can: {
    usage: '/flow can <action> <key>',
    summary: 'may you do this? yes or no, and why',
    details: 'Example: `/flow can resume prod:payments-eu`',
  },
  patterns: {
    usage: '/flow pause|resume|ramp|pin|unpin|reset-rate <pattern> …',
    summary: 'change many keys at once (shows you what matches first)',
    details:
      'A pattern goes where the key goes: `*` matches any run of characters, `?` one character; `staging:orders-*` looks in one environment, `*:orders-*` in every one. You first see privately which keys match and which you may change; on Confirm each key is changed as its own change, and one summary in the channel tells how it went.\nExamples: `/flow resume orders-*`, `/flow pin tenant-?? parallelism=5`',
  },
  help: {
    usage: '/flow help [subcommand|patterns]',
    summary: 'this help, or more about one subcommand or about patterns',
    details: 'Examples: `/flow help pin`, `/flow help patterns`',
  },
};

/** The topics `/flow help <topic>` knows: every subcommand, and `patterns`. */
export const HELP_TOPICS: readonly string[] = Object.keys(TOPICS);

export function helpMessage(
  topic: string | undefined,
  environmentNames: readonly string[],
  /** mrkdwn, from `describeCommandProblem`. */
  problem?: string,
): SlackMessage {
  const lines: string[] = [];
  if (problem) lines.push(`:warning: ${problem}`);
  // Own properties only: a topic such as `__proto__` must not select something of Object.prototype.
  const chosen = topic && Object.hasOwn(TOPICS, topic) ? TOPICS[topic as keyof typeof TOPICS] : undefined;
  if (chosen) {
    lines.push(`*\`${escapeMrkdwn(chosen.usage)}\`*: ${chosen.summary}`, chosen.details);
  } else {
    lines.push('*Flowbot: QStash flow control from Slack*');
    for (const entry of Object.values(TOPICS))
      lines.push(`• \`${escapeMrkdwn(entry.usage)}\`: ${entry.summary}`);
    lines.push('• `/flow-resume &lt;key&gt;`: the shortcut for resume');
    lines.push(
      '• `/flow` alone, or the *Flow control* shortcut: a form with a key picker; Flowbot’s Home tab shows what needs attention',
    );
  }
  if (environmentNames.length > 1) {
    lines.push(
      `Environments: ${environmentNames.map((name) => `\`${name}\``).join(', ')}. Write \`&lt;environment&gt;:&lt;key&gt;\`; without one, \`${environmentNames[0]}\` is meant.`,
    );
  }
  const text = lines.join('\n');
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
