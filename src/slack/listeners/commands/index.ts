import type { App } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { flowCommand } from './flow.js';
import { flowResumeCommand } from './flow-resume.js';

export function registerCommands(app: App, context: ListenerContext): void {
  app.command('/flow-resume', flowResumeCommand(context));
  app.command('/flow', flowCommand(context));
}
