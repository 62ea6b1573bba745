import { z } from 'zod';
import { checkKey } from '../../../core/keys.js';
import { problemMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { showList, showStatus } from '../flows/read.js';
import { type ButtonArgs, buttonTarget, clickOf } from './button-args.js';

/** A key's card for the clicker, with the live state: redrawn in place, or shown privately beside the message. */
function keyCardButton(context: ListenerContext, inPlace: boolean) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const target = await buttonTarget(context, args, 'status');
    if (!target) return;
    const click = clickOf(args);
    void runForUser(context, args.respond, () =>
      showStatus(context, args.respond, click.userId, click.channelId, target, 'button', inPlace),
    );
  };
}

/** Refresh on a status card: the card is redrawn in place with the live state. */
export const flowRefreshButton = (context: ListenerContext) => keyCardButton(context, true);

/** Status on an alert: the key's card, privately, for the clicker. */
export const flowStatusButton = (context: ListenerContext) => keyCardButton(context, false);

const listValue = z.object({
  glob: z.string().max(256).nullable(),
  environment: z.string().max(32).nullable(),
});

/** Refresh on a list: the value says which list it was. */
export function flowListRefreshButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    let parsed: z.infer<typeof listValue> | undefined;
    try {
      const result = listValue.safeParse(JSON.parse(click.value));
      if (result.success) parsed = result.data;
    } catch {
      parsed = undefined;
    }
    const environment = parsed?.environment ?? undefined;
    const glob = parsed?.glob ?? undefined;
    const validEnvironment = environment === undefined || context.environments.names.includes(environment);
    const validGlob = glob === undefined || checkKey(glob).kind === 'ok';
    if (!parsed || !validEnvironment || !validGlob) {
      await reply(context, args.respond, problemMessage('This Refresh button carries no usable list.'), {
        visibility: 'ephemeral',
      });
      return;
    }
    void runForUser(context, args.respond, () =>
      showList(context, args.respond, click.userId, click.channelId, environment, glob, 'button', true),
    );
  };
}
