import {
  type EnvironmentNames,
  type FlowCommandParse,
  parseFlowCommand,
} from '../../../core/commands/flow-command.js';
import { formatKeyRef, type KeyProblem, type KeyRef, parseKeyRef } from '../../../core/keys.js';
import { helpMessage } from '../../blocks/help.js';
import { describeCommandProblem } from '../../blocks/input-problems.js';
import { code } from '../../blocks/mrkdwn.js';
import type { SlackMessage } from '../../blocks/types.js';
import { flowResumeUsage, keyProblem } from '../../blocks/usage.js';

/** What a slash command is answered with in its acknowledgement: nothing, or a private message. */
export type CommandAck = (Partial<SlackMessage> & { response_type: 'ephemeral' }) | undefined;

/**
 * The acknowledgement depends on the command text alone (help, input problems, "Resuming…"), so it can be
 * decided wherever the request is received, before any of Flowbot's state is touched.
 */
export function flowAck(parsed: FlowCommandParse, environments: EnvironmentNames): CommandAck {
  if (parsed.kind === 'invalid') {
    const topic = parsed.topic && parsed.topic.length <= 20 ? parsed.topic : undefined;
    return {
      response_type: 'ephemeral',
      ...helpMessage(topic, environments.names, describeCommandProblem(parsed.problem)),
    };
  }
  const request = parsed.command;
  if (request.kind === 'help')
    return { response_type: 'ephemeral', ...helpMessage(request.topic, environments.names) };
  if (request.kind === 'resume') {
    const shown = code(formatKeyRef(request.target, environments.names.length));
    return { response_type: 'ephemeral', text: `:hourglass_flowing_sand: Resuming ${shown}…` };
  }
  return undefined;
}

export type FlowResumeParse =
  | { readonly kind: 'help' }
  | { readonly kind: 'invalid'; readonly problem: KeyProblem }
  | { readonly kind: 'resume'; readonly ref: KeyRef; readonly text: string };

export function parseFlowResume(text: string, environments: EnvironmentNames): FlowResumeParse {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'help') return { kind: 'help' };
  const parsed = parseKeyRef(trimmed, environments.names, environments.defaultName);
  return parsed.kind === 'ok'
    ? { kind: 'resume', ref: parsed.ref, text: trimmed }
    : { kind: 'invalid', problem: parsed.problem };
}

export function flowResumeAck(parsed: FlowResumeParse, environments: EnvironmentNames): CommandAck {
  switch (parsed.kind) {
    case 'help':
      return { response_type: 'ephemeral', ...flowResumeUsage(environments.names) };
    case 'invalid':
      return { response_type: 'ephemeral', ...keyProblem(parsed.problem, '/flow-resume') };
    case 'resume':
      return { response_type: 'ephemeral', text: `:hourglass_flowing_sand: Resuming ${code(parsed.text)}…` };
  }
}

/** Flowbot's slash commands and how each is acknowledged; the listeners are registered for these names. */
export const COMMAND_ACKS: Readonly<
  Record<string, (text: string, environments: EnvironmentNames) => CommandAck>
> = {
  '/flow': (text, environments) => flowAck(parseFlowCommand(text, environments), environments),
  '/flow-resume': (text, environments) => flowResumeAck(parseFlowResume(text, environments), environments),
};
