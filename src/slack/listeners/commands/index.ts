import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlashCommandName } from '../../commands/command-table.js';
import type { Services } from '../../services.js';
import { flowCommand } from './flow.js';
import { flowResumeCommand } from './flow-resume.js';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** A listener for every slash command of the command table (the type makes a missing one an error). */
const LISTENERS: {
  readonly [N in SlashCommandName]: (services: Services) => (args: CommandArgs) => Promise<void>;
} = {
  '/flow-resume': flowResumeCommand,
  '/flow': flowCommand,
};

export function registerCommands(app: App, services: Services): void {
  for (const [name, listener] of Object.entries(LISTENERS)) app.command(name, listener(services));
}
