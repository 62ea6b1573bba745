import type { BulkDecisionOutcome } from '../../../core/bulk/bulk-actions.js';
import { BULK_NOTES } from '../../blocks/bulk.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { type ButtonArgs, clickOf, clickRequest } from './button-args.js';

/**
 * Confirm on a bulk preview: taken once (core), for the person who asked, who is authorized again for every
 * key as it runs; the batch then runs, and its summary in the channel shows each key.
 */
export function flowBulkConfirmButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args, 'bulk');
    const id = clickOf(args).value;
    void request.run(async () => {
      const result = await services.operations.bulk.confirm({ ...request.asking, batchId: id });
      switch (result.kind) {
        case 'gone':
          await request.tell(BULK_NOTES.gone(), { replaceOriginal: true });
          return;
        case 'not_yours':
          await request.tell(BULK_NOTES.notYours());
          return;
        case 'refused':
          await request.tell(BULK_NOTES.refused(result.refusal, 'bulk'), { replaceOriginal: true });
          return;
        case 'confirmed': {
          await request.tell(BULK_NOTES.confirmed(result.batch), { replaceOriginal: true });
          const finished = await services.operations.bulk.run(result.batch.id);
          if (finished && !finished.message) await request.tell(BULK_NOTES.summaryUnposted());
          return;
        }
      }
    });
  };
}

export function flowBulkCancelButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const id = clickOf(args).value;
    void request.run(async () => {
      const cancelled = await services.operations.bulk.cancel(id, request.asking);
      await request.tell(cancelled ? BULK_NOTES.cancelled() : BULK_NOTES.nothingToCancel(), {
        replaceOriginal: true,
      });
    });
  };
}

/** Whatever core decided, told to the clicker; the card and the summary are redrawn by core's reporter. */
async function render(services: Services, request: SlackRequest, decided: BulkDecisionOutcome) {
  switch (decided.kind) {
    case 'gone':
      await request.tell(BULK_NOTES.decisionGone());
      return;
    case 'own_request':
      await request.tell(BULK_NOTES.ownRequest());
      return;
    case 'refused':
      await request.tell(BULK_NOTES.decisionRefused(decided.refusal, services.naming, decided.target));
      return;
    case 'decided':
      if (decided.notAllowed > 0) await request.tell(BULK_NOTES.partlyAllowed(decided.notAllowed));
      return;
  }
}

/** Approve or Reject on a batch's approval card: each waiting key's own approval, decided by core. */
function decisionButton(services: Services, decision: 'approve' | 'reject') {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const batchId = clickOf(args).value;
    void request.run(async () =>
      render(services, request, await services.operations.bulk[decision]({ ...request.asking, batchId })),
    );
  };
}

export const flowBulkApproveButton = (services: Services) => decisionButton(services, 'approve');
export const flowBulkRejectButton = (services: Services) => decisionButton(services, 'reject');
