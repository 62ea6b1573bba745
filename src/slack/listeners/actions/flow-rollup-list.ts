import { z } from 'zod';
import { NOTES } from '../../blocks/notes.js';
import { rollupGoneMessage, rollupListPage } from '../../blocks/rollup-alert.js';
import type { Services } from '../../services.js';
import { type ButtonArgs, clickOf, clickRequest } from './button-args.js';

const listValue = z.object({
  ts: z.string().regex(/^\d{1,12}\.\d{1,8}$/),
  page: z.number().int().min(0).max(10_000),
});

/**
 * "Show all" on a roll-up, and Previous / Next on its list: a page of the storm's keys with their Resume
 * buttons, privately for the clicker (the first page beside the message, the next ones in its place). The
 * list shows what the channel's roll-up shows; each Resume click is authorized on its own.
 */
export function flowRollupListButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const click = clickOf(args);
    let parsed: z.infer<typeof listValue> | undefined;
    try {
      const result = listValue.safeParse(JSON.parse(click.value));
      if (result.success) parsed = result.data;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !click.channelId) {
      await request.tell(NOTES.unusableRollupList());
      return;
    }
    const { ts, page } = parsed;
    const channel = click.channelId;
    void request.run(async () => {
      const rollup = await services.desk.rollupAt(channel, ts);
      const message = rollup ? rollupListPage(rollup, page, services.naming) : rollupGoneMessage();
      await request.tell(message, { replaceOriginal: click.isEphemeral });
    });
  };
}
