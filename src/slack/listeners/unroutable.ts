import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Services } from '../services.js';

/**
 * Interactions no listener can take (a click payload without a usable action, shortcuts, modals, events Flowbot
 * doesn't subscribe to) are acknowledged at once: otherwise Slack would wait for Bolt's 3-second fallback and
 * show the person an error.
 */
export function acknowledgeUnroutable(services: Services): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { type?: unknown; command?: unknown; actions?: unknown };
    const ack =
      'ack' in args && typeof args.ack === 'function' ? (args.ack as () => Promise<void>) : undefined;
    const first = Array.isArray(body.actions) ? (body.actions[0] as Record<string, unknown> | null) : null;
    const routable =
      typeof body.command === 'string' ||
      (body.type === 'block_actions' && typeof first?.action_id === 'string') ||
      // Legacy interactive buttons (another system's attachments) name themselves with `name`.
      (body.type === 'interactive_message' && typeof first?.name === 'string');
    if (routable || !ack) {
      await args.next();
      return;
    }
    services.logger.debug(
      { type: typeof body.type === 'string' ? body.type.slice(0, 40) : typeof body.type },
      'acknowledged an interaction Flowbot does not handle',
    );
    await ack();
  };
}
