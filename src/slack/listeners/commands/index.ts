import type { App } from '@slack/bolt';
import { SLASH_COMMANDS, type SlashCommandName } from '../../commands/command-table.js';
import type { Services } from '../../services.js';
import { flow } from './flow.js';
import { flowResume } from './flow-resume.js';
import { type CommandArgs, slashListener } from './slash-listener.js';

/** A listener for every slash command of the command table (the type makes a missing one an error). */
const LISTENERS: {
  readonly [N in SlashCommandName]: (services: Services) => (args: CommandArgs) => Promise<void>;
} = {
  '/flow-resume': (services) => slashListener(services, SLASH_COMMANDS['/flow-resume'], flowResume),
  '/flow': (services) => slashListener(services, SLASH_COMMANDS['/flow'], flow),
};

export function registerCommands(app: App, services: Services): void {
  for (const [name, listener] of Object.entries(LISTENERS)) app.command(name, listener(services));
}
