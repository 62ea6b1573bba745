import { NOTES } from '../../blocks/notes.js';
import type { Services } from '../../services.js';
import { type ButtonArgs, clickRequest } from './button-args.js';

/** Acknowledges clicks no other listener claims, so Slack never shows an error for them. */
export function unknownButton(services: Services, known: readonly (string | RegExp)[]) {
  return async (args: ButtonArgs): Promise<void> => {
    const actionId = typeof args.action?.action_id === 'string' ? args.action.action_id : '';
    if (known.some((id) => (typeof id === 'string' ? id === actionId : id.test(actionId)))) return;
    await args.ack();
    if (!actionId.startsWith('flow_')) return;
    await clickRequest(services, args).tell(NOTES.unknownButton());
  };
}
