import type { AllMiddlewareArgs, BlockSuggestion, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { Suggestion } from '../../../core/catalog/key-catalog.js';
import { keyOptions, MAX_OPTIONS } from '../../blocks/key-options.js';
import { readModalMetadata } from '../../blocks/modal.js';
import { askingOf } from '../../request.js';
import type { Services } from '../../services.js';

type Args = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs;

/** The first use after a start may wait this long for the first key list; later ones never wait. */
const FIRST_LIST_WAIT_MS = 1_000;
/** The policy filter (group lookups may wait on Slack) gets at most this long; Slack allows 3 s in all. */
const FILTER_MS = 1_000;

/**
 * The key picker's options (`external_select`, `action_id: flow_key`): keys matching what the person typed, at
 * most 100, only those core's policy lets them see, from the kept key list. QStash is never waited for beyond
 * the very first list: a stale list is served and read again in the background.
 */
export function flowKeyOptions(services: Services) {
  return async ({ body, ack }: Args): Promise<void> => {
    const { catalog } = services.surfaces;
    const suggestion = body as BlockSuggestion;
    const container =
      typeof suggestion.container?.channel_id === 'string' ? suggestion.container.channel_id : undefined;
    // In a modal, the conversation it was opened in decides channel-limited rules, as in the channel itself.
    const channelId =
      suggestion.channel?.id ?? container ?? readModalMetadata(suggestion.view?.private_metadata).channelId;
    let suggestions: Suggestion[] = [];
    const asking = askingOf(services, {
      actorId: suggestion.user.id,
      body,
      channelId,
      source: 'modal',
    });
    // A person of another workspace no rule names gets no keys (the policy would show them none anyway).
    if (services.operations.admitTeam({ ...asking, action: 'list' })) {
      await ack(keyOptions([], services.naming));
      return;
    }
    try {
      await catalog.warm(FIRST_LIST_WAIT_MS);
      catalog.freshen();
      suggestions = await within(
        catalog.suggest(
          { userId: asking.actorId, ...(asking.foreignTeam ? { foreignTeam: asking.foreignTeam } : {}) },
          channelId,
          String(suggestion.value ?? '').slice(0, 300),
          MAX_OPTIONS,
        ),
        FILTER_MS,
        [],
      );
    } catch (error) {
      services.logger.warn({ err: error }, 'could not list keys for the key picker');
    }
    await ack(keyOptions(suggestions, services.naming));
  };
}

async function within<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
