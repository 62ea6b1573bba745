import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type ListenerContext, resilientRespond } from '../../context.js';
import { flowCommand } from './flow.js';
import { flowResumeCommand } from './flow-resume.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Every handler gets a respond that falls back to the Web API when the response_url fails. */
function resilient(context: ListenerContext, handler: (args: CommandArgs) => Promise<void>) {
  return (args: CommandArgs) =>
    handler({
      ...args,
      respond: resilientRespond(context, args.respond, args.command.channel_id, args.command.user_id),
    });
}

export function registerCommands(app: App, context: ListenerContext): void {
  app.command('/flow-resume', resilient(context, flowResumeCommand(context)));
  app.command('/flow', resilient(context, flowCommand(context)));
}
