import type { FlowAction } from '../../../core/access/types.js';
import type { Change } from '../../../core/operations/change.js';
import type { Services } from '../../services.js';
import { askToConfirm } from '../flows/confirm.js';
import { type ButtonArgs, buttonTarget, clickRequest } from './button-args.js';

/** A button that asks for a change on the key it names; like the command, it shows a confirmation first. */
export function confirmFromButton(services: Services, action: FlowAction, change: Change) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const target = await buttonTarget(services, request, args, action);
    if (!target) return;
    void request.run(() => askToConfirm(services, request, target, change));
  };
}
