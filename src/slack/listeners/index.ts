import type { App } from '@slack/bolt';
import type { ListenerContext } from '../context.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { acknowledgeUnroutable } from './unroutable.js';

/** The one place where Flowbot's listeners are attached to the Bolt app. */
export function registerListeners(app: App, context: ListenerContext): void {
  app.use(acknowledgeUnroutable(context));
  registerCommands(app, context);
  registerActions(app, context);
}
