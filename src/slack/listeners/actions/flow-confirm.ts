import { changeOf } from '../../../core/operations/change.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { keyLabel } from '../../blocks/outcome.js';
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
        await request.tell(
          noteMessage('This confirmation was already used, cancelled or has expired. Nothing was changed.'),
          { replaceOriginal: true },
        );
        return;
      }
      if (result.kind === 'not_yours') {
        await request.tell(noteMessage('Only the person who asked can confirm this.'));
        return;
      }
      const { change } = result.pending;
      await request.tell(
        noteMessage(
          `:hourglass_flowing_sand: Confirmed. Working on ${keyLabel(change.target, services.naming)}…`,
        ),
        { replaceOriginal: true },
      );
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
      const text = cancelled
        ? `Cancelled. ${keyLabel(cancelled.change.target, services.naming)} was not changed.`
        : 'Nothing to cancel: this was already used, cancelled or has expired.';
      await request.tell(noteMessage(text), { replaceOriginal: true });
    });
  };
}
