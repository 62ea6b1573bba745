import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { FLOW_CONTROL_VIEW, KEY_PICKER, SHORTCUTS } from '../blocks/surface-ids.js';
import type { Services } from '../services.js';

const SHORTCUT_IDS: readonly unknown[] = Object.values(SHORTCUTS);

/** Whether a listener of Flowbot's takes this payload (and acknowledges it). */
export function isRoutable(body: Record<string, unknown>): boolean {
  if (typeof body.command === 'string') return true;
  switch (body.type) {
    case 'block_actions': {
      const actions = body.actions;
      return (
        Array.isArray(actions) &&
        actions.length > 0 &&
        typeof (actions[0] as { action_id?: unknown } | null)?.action_id === 'string'
      );
    }
    case 'interactive_message': {
      // Legacy interactive buttons (another system's attachments) name themselves with `name`.
      const actions = body.actions;
      return (
        Array.isArray(actions) &&
        actions.length > 0 &&
        typeof (actions[0] as { name?: unknown } | null)?.name === 'string'
      );
    }
    case 'block_suggestion':
      return body.action_id === KEY_PICKER;
    case 'shortcut':
    case 'message_action':
      return SHORTCUT_IDS.includes(body.callback_id);
    case 'view_submission':
      return (body.view as { callback_id?: unknown } | undefined)?.callback_id === FLOW_CONTROL_VIEW;
    case 'event_callback':
      // Every step of Flowbot's app is routed: unknown ones are ended with an error, never left hanging.
      return (body.event as { type?: unknown } | undefined)?.type === 'function_executed';
    default:
      return false;
  }
}

/**
 * Interactions no listener can take (a click payload without a usable action, other apps' shortcuts or menus,
 * modals closing, events Flowbot doesn't subscribe to) are acknowledged at once: otherwise Slack would wait
 * for Bolt's 3-second fallback and show the person an error. A menu nobody serves gets an empty list.
 */
export function acknowledgeUnroutable(services: Services): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const ack =
      'ack' in args && typeof args.ack === 'function'
        ? (args.ack as (response?: Record<string, unknown>) => Promise<void>)
        : undefined;
    if (isRoutable(body) || !ack) {
      await args.next();
      return;
    }
    services.logger.debug(
      { type: typeof body.type === 'string' ? body.type.slice(0, 40) : typeof body.type },
      'acknowledged an interaction Flowbot does not handle',
    );
    await ack(body.type === 'block_suggestion' ? { options: [] } : undefined);
  };
}
