import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { recordInvalidInput } from '../../../core/audit.js';
import { type FlowCommand, parseFlowCommand } from '../../../core/commands/flow-command.js';
import { type ListenerContext, runForUser } from '../../context.js';
import { showCan, showWhoami } from '../flows/access.js';
import { askToConfirm } from '../flows/confirm.js';
import { showGlobal, showList, showStatus } from '../flows/read.js';
import { resumeNow } from '../flows/resume.js';
import { flowAck } from './command-acks.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/flow <subcommand> …`: the whole toolbox. Input problems and help are answered in the ack, privately. */
export function flowCommand(context: ListenerContext) {
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const parsed = parseFlowCommand(command.text ?? '', context.environments);
    if (parsed.kind === 'invalid') {
      recordInvalidInput(
        context.audit,
        {
          actor: command.user_id,
          action: parsed.topic ?? 'unknown',
          channel: command.channel_id,
          source: 'command',
        },
        parsed.problem.code,
      );
    }
    await ack(flowAck(parsed, context.environments));
    if (parsed.kind === 'invalid' || parsed.command.kind === 'help') return;
    const request = parsed.command;
    void runForUser(context, respond, () =>
      run(context, request, command.user_id, command.channel_id, respond),
    );
  };
}

function run(
  context: ListenerContext,
  request: Exclude<FlowCommand, { kind: 'help' }>,
  actorId: string,
  channelId: string,
  respond: CommandArgs['respond'],
): Promise<void> {
  const source = 'command';
  switch (request.kind) {
    case 'status':
      return showStatus(context, respond, actorId, channelId, request.target, source);
    case 'list':
      return showList(context, respond, actorId, channelId, request.environment, request.glob, source);
    case 'global':
      return showGlobal(context, respond, actorId, channelId, request.environment, source);
    case 'resume':
      return resumeNow(context, respond, actorId, channelId, request.target, source);
    case 'pause':
      return askToConfirm(
        context,
        respond,
        actorId,
        channelId,
        {
          action: 'pause',
          target: request.target,
          ...(request.reason ? { reason: request.reason } : {}),
          ...(request.forSeconds ? { forMs: request.forSeconds * 1000 } : {}),
        },
        source,
      );
    case 'ramp':
      return askToConfirm(
        context,
        respond,
        actorId,
        channelId,
        {
          action: 'ramp',
          target: request.target,
          request: {
            ...(request.mode ? { mode: request.mode } : {}),
            ...(request.from ? { from: request.from } : {}),
            ...(request.overSeconds ? { overSeconds: request.overSeconds } : {}),
          },
        },
        source,
      );
    case 'whoami':
      return showWhoami(context, respond, actorId);
    case 'can':
      return showCan(context, respond, actorId, channelId, request.action, request.target);
    case 'reset-rate':
      return askToConfirm(
        context,
        respond,
        actorId,
        channelId,
        { action: 'reset-rate', target: request.target },
        source,
      );
    case 'pin':
      return askToConfirm(
        context,
        respond,
        actorId,
        channelId,
        { action: 'pin', target: request.target, settings: request.settings },
        source,
      );
    case 'unpin':
      return askToConfirm(
        context,
        respond,
        actorId,
        channelId,
        { action: 'unpin', target: request.target, settings: request.settings },
        source,
      );
  }
}
