import { z } from 'zod';
import { checkPattern } from '../../../core/glob.js';
import { NOTES } from '../../blocks/notes.js';
import type { Services } from '../../services.js';
import { showList, showStatus } from '../flows/read.js';
import { type ButtonArgs, buttonTarget, clickOf, clickRequest } from './button-args.js';

/** A key's card for the clicker, with the live state: redrawn in place, or shown privately beside the message. */
function keyCardButton(services: Services, inPlace: boolean) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const target = await buttonTarget(services, request, args, 'status');
    if (!target) return;
    void request.run(() => showStatus(services, request, target, inPlace));
  };
}

/** Refresh on a status card: the card is redrawn in place with the live state. */
export const flowRefreshButton = (services: Services) => keyCardButton(services, true);

/** Status on an alert: the key's card, privately, for the clicker. */
export const flowStatusButton = (services: Services) => keyCardButton(services, false);

const listValue = z.object({
  glob: z.string().max(256).nullable(),
  environment: z.string().max(32).nullable(),
});

/** Refresh on a list: the value says which list it was. */
export function flowListRefreshButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    let parsed: z.infer<typeof listValue> | undefined;
    try {
      const result = listValue.safeParse(JSON.parse(clickOf(args).value));
      if (result.success) parsed = result.data;
    } catch {
      parsed = undefined;
    }
    const environment = parsed?.environment ?? undefined;
    const glob = parsed?.glob ?? undefined;
    const validEnvironment = environment === undefined || services.environments.names.includes(environment);
    const validGlob = glob === undefined || checkPattern(glob).kind === 'ok';
    if (!parsed || !validEnvironment || !validGlob) {
      await request.tell(NOTES.unusableList());
      return;
    }
    void request.run(() => showList(services, request, environment, glob, true));
  };
}
