import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { type PickedKey, readKeyOptionValue } from '../../blocks/key-options.js';
import { flowControlModal, isModalAction, MODAL_BLOCKS, readModalMetadata } from '../../blocks/modal.js';
import { outboundView } from '../../blocks/outbound.js';
import type { Services } from '../../services.js';

type Args = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;

/**
 * Choosing another action in the Flow control modal redraws it with that action's fields (a pause's reason and
 * duration, a pin's limits…). Inputs that stay keep what was typed (Slack keeps the state of unchanged blocks);
 * the picked key is carried over explicitly. The view's hash makes a stale redraw lose to a newer one.
 */
export function flowActionSelect(services: Services) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const view = body.view;
    const chosen = action.selected_option?.value;
    if (!view || !isModalAction(chosen)) return;
    const values = (view.state?.values ?? {}) as Record<
      string,
      Record<string, { selected_option?: { value?: unknown } | null }>
    >;
    const pickedValue = values[MODAL_BLOCKS.key]?.[MODAL_BLOCKS.key]?.selected_option?.value;
    const picked: PickedKey | undefined =
      typeof pickedValue === 'string' ? readKeyOptionValue(pickedValue, services.environments) : undefined;
    const key =
      picked?.kind === 'key'
        ? { ref: picked.ref, state: services.surfaces.catalog.find(picked.ref) }
        : undefined;
    try {
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: outboundView(
          flowControlModal(
            { action: chosen, ...(key ? { key } : {}) },
            readModalMetadata(view.private_metadata),
            services.naming,
          ),
        ),
      });
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      // A newer redraw won (hash_conflict), or the modal was closed: nothing to do.
      services.logger.debug({ err: error, code }, 'the Flow control modal was not redrawn');
    }
  };
}
