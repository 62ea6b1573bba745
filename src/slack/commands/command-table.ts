import {
  formatKeyPattern,
  isKeyPattern,
  type KeyPattern,
  parseKeyPattern,
} from '../../core/bulk/key-pattern.js';
import {
  type EnvironmentNames,
  type FlowCommand,
  type FlowCommandParse,
  parseFlowCommand,
  type Subcommand,
} from '../../core/commands/flow-command.js';
import type { PatternProblem } from '../../core/glob.js';
import { formatKeyRef, type KeyProblem, type KeyRef, parseKeyRef } from '../../core/keys.js';
import { helpMessage } from '../blocks/help.js';
import { describeCommandProblem } from '../blocks/input-problems.js';
import { code } from '../blocks/mrkdwn.js';
import { outbound, outboundText } from '../blocks/outbound.js';
import type { SlackMessage } from '../blocks/types.js';
import { flowResumeUsage, keyProblem, patternProblem } from '../blocks/usage.js';
import { decodeSlackText } from '../text-in.js';

/** What a slash command is answered with in its acknowledgement: nothing, or a private message. */
export type CommandAck = (Partial<SlackMessage> & { response_type: 'ephemeral' }) | undefined;

const privately = (message: SlackMessage): CommandAck => ({
  response_type: 'ephemeral',
  ...outbound(message),
});

type SubcommandAck<S extends Subcommand> = (
  command: Extract<FlowCommand, { kind: S }>,
  environments: EnvironmentNames,
) => CommandAck;

/**
 * Every `/flow` subcommand and how it is acknowledged. The acknowledgement depends on the command text
 * alone (help, input problems, "Resuming…"), so it is decided wherever the request is received (the front
 * door thread, or the listener on one thread), before any of Flowbot's state is touched. The subcommands
 * themselves (and their parsers) are core's list; the listeners' table of what each does has the same keys.
 */
export const SUBCOMMAND_ACKS: { readonly [S in Subcommand]: SubcommandAck<S> } = {
  help: (command, environments) => privately(helpMessage(command.topic, environments.names)),
  resume: (command, environments) => ({
    response_type: 'ephemeral',
    text: outboundText(
      `:hourglass_flowing_sand: Resuming ${code(formatKeyRef(command.target, environments.names.length))}…`,
    ),
  }),
  status: () => undefined,
  list: () => undefined,
  pause: () => undefined,
  pin: () => undefined,
  unpin: () => undefined,
  'reset-rate': () => undefined,
  global: () => undefined,
  ramp: () => undefined,
  whoami: () => undefined,
  can: () => undefined,
};

function ackSubcommand(
  command: Exclude<FlowCommand, { kind: 'bulk' }>,
  environments: EnvironmentNames,
): CommandAck {
  const ack = SUBCOMMAND_ACKS[command.kind] as SubcommandAck<Subcommand>;
  return ack(command as never, environments);
}

/** A change by pattern is answered with its preview, privately, once the keys are listed. */
function ackBulk(pattern: KeyPattern, environments: EnvironmentNames): CommandAck {
  return {
    response_type: 'ephemeral',
    text: outboundText(
      `:mag: Looking up the keys matching ${code(formatKeyPattern(pattern, environments.names.length))}…`,
    ),
  };
}

/** `/flow …` understood; `alone` when nothing followed `/flow` (it opens the Flow control modal). */
export type FlowSlashParse = FlowCommandParse & { readonly alone: boolean };

/** `/flow`'s text, with whether it was `/flow` alone. */
export function parseFlowSlash(text: string, environments: EnvironmentNames): FlowSlashParse {
  return { ...parseFlowCommand(text, environments), alone: text.trim() === '' };
}

/**
 * `/flow`'s acknowledgement: help with the problem for text that can't be used, else the subcommand's own.
 * `/flow` alone is acknowledged empty: the Flow control modal opens instead (help if it can't).
 */
export function flowAck(
  parsed: FlowCommandParse | FlowSlashParse,
  environments: EnvironmentNames,
): CommandAck {
  if ('alone' in parsed && parsed.alone) return undefined;
  if (parsed.kind === 'invalid') {
    const topic = parsed.topic && parsed.topic.length <= 20 ? parsed.topic : undefined;
    return privately(helpMessage(topic, environments.names, describeCommandProblem(parsed.problem)));
  }
  const { command } = parsed;
  if (command.kind === 'bulk') return ackBulk(command.pattern, environments);
  return ackSubcommand(command, environments);
}

export type FlowResumeParse =
  | { readonly kind: 'help' }
  | { readonly kind: 'invalid'; readonly problem: KeyProblem }
  /** A pattern that can't be used (too long, too many wildcards…). */
  | { readonly kind: 'invalid_pattern'; readonly problem: PatternProblem }
  | { readonly kind: 'resume'; readonly ref: KeyRef; readonly text: string }
  /** A pattern: previewed like `/flow resume <pattern>` (the one-step resume is for one key). */
  | { readonly kind: 'bulk'; readonly pattern: KeyPattern };

/**
 * `/flow-resume <key>`: usage help for no key (or `help`), else the key or what is wrong with it. A pattern
 * is previewed first, like every pattern: it may match keys nobody meant to resume.
 */
export function parseFlowResume(text: string, environments: EnvironmentNames): FlowResumeParse {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'help') return { kind: 'help' };
  if (isKeyPattern(trimmed) && !/\s/u.test(trimmed)) {
    const pattern = parseKeyPattern(trimmed, environments.names, environments.defaultName);
    if (pattern.kind === 'ok') return { kind: 'bulk', pattern: pattern.pattern };
    return pattern.problem.code === 'unknown_environment'
      ? { kind: 'invalid', problem: pattern.problem }
      : { kind: 'invalid_pattern', problem: pattern.problem };
  }
  const parsed = parseKeyRef(trimmed, environments.names, environments.defaultName);
  return parsed.kind === 'ok'
    ? { kind: 'resume', ref: parsed.ref, text: trimmed }
    : { kind: 'invalid', problem: parsed.problem };
}

/** `/flow-resume`'s acknowledgement: usage, the key's problem, or "Resuming …" while the work follows. */
export function flowResumeAck(parsed: FlowResumeParse, environments: EnvironmentNames): CommandAck {
  switch (parsed.kind) {
    case 'help':
      return privately(flowResumeUsage(environments.names));
    case 'invalid':
      return privately(keyProblem(parsed.problem, '/flow-resume'));
    case 'invalid_pattern':
      return privately(patternProblem(parsed.problem, '/flow-resume'));
    case 'resume':
      return {
        response_type: 'ephemeral',
        text: outboundText(`:hourglass_flowing_sand: Resuming ${code(parsed.text)}…`),
      };
    case 'bulk':
      return ackBulk(parsed.pattern, environments);
  }
}

export interface SlashCommand<P> {
  /** Parses the text the person typed (already decoded from Slack's encoding: see `parseSlashText`). */
  readonly parse: (text: string, environments: EnvironmentNames) => P;
  readonly ack: (parsed: P, environments: EnvironmentNames) => CommandAck;
}

/** Flowbot's slash commands: how each is parsed and acknowledged. The listeners are registered for these names. */
export const SLASH_COMMANDS = {
  '/flow': { parse: parseFlowSlash, ack: flowAck } satisfies SlashCommand<FlowSlashParse>,
  '/flow-resume': { parse: parseFlowResume, ack: flowResumeAck } satisfies SlashCommand<FlowResumeParse>,
} as const;

export type SlashCommandName = keyof typeof SLASH_COMMANDS;

export function isSlashCommand(name: unknown): name is SlashCommandName {
  return typeof name === 'string' && Object.hasOwn(SLASH_COMMANDS, name);
}

/**
 * A slash command's `text` as Slack sent it (entities, link and mention markup), decoded once and parsed.
 * The front door's acknowledgement and the listener's work both start here, so they read the same command.
 */
export function parseSlashText<P>(
  entry: SlashCommand<P>,
  slackText: string,
  environments: EnvironmentNames,
): P {
  return entry.parse(decodeSlackText(slackText), environments);
}

/** The acknowledgement of a slash command's text as Slack sent it, as both the front door and the listeners give it. */
export function acknowledge(
  name: SlashCommandName,
  slackText: string,
  environments: EnvironmentNames,
): CommandAck {
  switch (name) {
    case '/flow':
      return flowAck(parseSlashText(SLASH_COMMANDS[name], slackText, environments), environments);
    case '/flow-resume':
      return flowResumeAck(parseSlashText(SLASH_COMMANDS[name], slackText, environments), environments);
  }
}

/**
 * Whether a slash command's acknowledgement is its whole answer (help, usage, or what is wrong with the text):
 * the app only records it. The front door still gives these answers when Flowbot is overloaded, since they
 * cost nothing and a person asking how to type a command shouldn't be told "overloaded".
 */
export function answeredInFull(
  name: SlashCommandName,
  slackText: string,
  environments: EnvironmentNames,
): boolean {
  switch (name) {
    case '/flow': {
      const parsed = parseSlashText(SLASH_COMMANDS[name], slackText, environments);
      if (parsed.alone) return false;
      return parsed.kind === 'invalid' || parsed.command.kind === 'help';
    }
    case '/flow-resume': {
      const parsed = parseSlashText(SLASH_COMMANDS[name], slackText, environments);
      return parsed.kind === 'help' || parsed.kind === 'invalid' || parsed.kind === 'invalid_pattern';
    }
  }
}
