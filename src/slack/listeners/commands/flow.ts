import { type FlowCommand, problemCode, type Subcommand } from '../../../core/commands/flow-command.js';
import type { FlowSlashParse } from '../../commands/command-table.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { showCan, showWhoami } from '../flows/access.js';
import { previewBulk } from '../flows/bulk.js';
import { askToConfirm } from '../flows/confirm.js';
import { showGlobal, showList, showStatus } from '../flows/read.js';
import { changeNow } from '../flows/settle.js';
import { openFromCommand } from '../shortcuts/open-flow-control.js';
import type { SlashHandling } from './slash-listener.js';

type Handler<S extends Subcommand> = (
  services: Services,
  request: SlackRequest,
  command: Extract<FlowCommand, { kind: S }>,
) => Promise<void>;

/**
 * What each subcommand does, once parsed and acknowledged: the same keys as core's parsers and the command
 * table's acknowledgements (`help` is answered in the acknowledgement alone).
 */
const HANDLERS: { readonly [S in Exclude<Subcommand, 'help'>]: Handler<S> } = {
  status: (services, request, command) => showStatus(services, request, command.target),
  list: (services, request, command) => showList(services, request, command.environment, command.glob),
  global: (services, request, command) => showGlobal(services, request, command.environment),
  resume: (services, request, command) => changeNow(services, request, command.target, { action: 'resume' }),
  pause: (services, request, command) =>
    askToConfirm(services, request, command.target, {
      action: 'pause',
      ...(command.reason ? { reason: command.reason } : {}),
      ...(command.forSeconds ? { forMs: command.forSeconds * 1000 } : {}),
    }),
  ramp: (services, request, command) =>
    askToConfirm(services, request, command.target, {
      action: 'ramp',
      request: {
        ...(command.mode ? { mode: command.mode } : {}),
        ...(command.from ? { from: command.from } : {}),
        ...(command.overSeconds ? { overSeconds: command.overSeconds } : {}),
      },
    }),
  pin: (services, request, command) =>
    askToConfirm(services, request, command.target, { action: 'pin', settings: command.settings }),
  unpin: (services, request, command) =>
    askToConfirm(services, request, command.target, { action: 'unpin', settings: command.settings }),
  'reset-rate': (services, request, command) =>
    askToConfirm(services, request, command.target, { action: 'reset-rate' }),
  whoami: (services, request) => showWhoami(services, request),
  can: (services, request, command) => showCan(services, request, command.action, command.target),
};

type Asked = Exclude<FlowCommand, { kind: 'help' | 'bulk' }>;

/**
 * Carries out one `/flow` request: what the command does, and what the Flow control modal does when
 * submitted (the same steps: confirmation, approval, policy, rate limit, audit; the request says its source).
 */
export function runFlowCommand(
  services: Services,
  request: SlackRequest,
  command: Exclude<FlowCommand, { kind: 'help' }>,
): Promise<void> {
  // A change subcommand given a pattern: a preview of every matching key.
  if (command.kind === 'bulk') return previewBulk(services, request, command.pattern, command.change);
  const handler = HANDLERS[command.kind] as Handler<Asked['kind']>;
  return handler(services, request, command as never);
}

/**
 * `/flow <subcommand> …`: the whole toolbox. Input problems and help are answered in the ack, privately.
 * `/flow` alone opens the Flow control modal (help, if Slack won't open it).
 */
export const flow: SlashHandling<FlowSlashParse> = {
  invalid: (parsed) =>
    parsed.kind === 'invalid'
      ? { action: parsed.topic ?? 'unknown', problem: problemCode(parsed.problem) }
      : undefined,
  work: (parsed) => {
    if (parsed.alone) return (services, request, slash) => openFromCommand(services, request, slash);
    if (parsed.kind === 'invalid' || parsed.command.kind === 'help') return undefined;
    const asked = parsed.command;
    return (services, request) => runFlowCommand(services, request, asked);
  },
};
