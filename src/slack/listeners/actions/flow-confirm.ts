import { changeOf } from '../../../core/operations/change.js';
import { NOTES } from '../../blocks/notes.js';
import type { Services } from '../../services.js';
import { settle } from '../flows/settle.js';
import { type ButtonArgs, clickOf, clickRequest } from './button-args.js';

/** Confirm acts once, for the person who asked, who is authorized again (by core) at this moment. */
export function flowConfirmButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args, 'confirm');
    const id = clickOf(args).value;
    void request.run(async () => {
      const result = await services.operations.takeConfirmation(id, request.actorId);
      if (result.kind === 'gone') {
        await request.tell(NOTES.confirmationGone(), { replaceOriginal: true });
        return;
      }
      if (result.kind === 'not_yours') {
        await request.tell(NOTES.notYourConfirmation());
        return;
      }
      const { change } = result.pending;
      await request.tell(NOTES.confirmed(change.target, services.naming), { replaceOriginal: true });
      const outcome = await services.operations.change(request.change(change.target, changeOf(change)));
      await settle(services, request, outcome);
    });
  };
}

export function flowCancelButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const id = clickOf(args).value;
    void request.run(async () => {
      const cancelled = await services.operations.cancelConfirmation(id, request.actorId);
      await request.tell(
        cancelled ? NOTES.cancelled(cancelled.change.target, services.naming) : NOTES.nothingToCancel(),
        { replaceOriginal: true },
      );
    });
  };
}
