import type { App } from '@slack/bolt';
import type { Services } from '../services.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerSurfaces } from './surfaces.js';
import { acknowledgeUnroutable } from './unroutable.js';

/**
 * The one place where Flowbot's listeners are attached to the Bolt app. Every listener parses, builds a
 * request for core, calls it and renders the answer: what may be done, and what is audited, is core's.
 */
export function registerListeners(app: App, services: Services): void {
  app.use(acknowledgeUnroutable(services));
  registerCommands(app, services);
  registerSurfaces(app, services);
  registerActions(app, services);
}
