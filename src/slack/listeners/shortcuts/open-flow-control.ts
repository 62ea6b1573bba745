import type { WebClient } from '@slack/web-api';
import {
  flowControlModal,
  type ModalMetadata,
  type ModalPrefill,
  noAccessModal,
} from '../../blocks/modal.js';
import type { ListenerContext } from '../../context.js';

/** A trigger_id lasts 3 seconds: the access check that picks the modal gets at most this long. */
const ACCESS_CHECK_MS = 1_200;

export type OpenResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Opens the Flow control modal with the click's or command's trigger_id (single use, valid 3 s), prefilled as
 * given; someone no rule grants anything gets a modal saying how to get access instead. The key list is read
 * again in the background if it is old, so the picker is fresh by the time they type.
 */
export async function openFlowControl(
  context: ListenerContext,
  client: WebClient,
  triggerId: string,
  userId: string,
  prefill: ModalPrefill,
  metadata: ModalMetadata,
): Promise<OpenResult> {
  context.surfaces.catalog.freshen();
  const view = (await hasAnyAccess(context, userId))
    ? flowControlModal(prefill, metadata, context.naming)
    : noAccessModal(userId);
  try {
    await client.views.open({ trigger_id: triggerId, view });
    return { ok: true };
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    const reason = typeof code === 'string' ? code : 'unreachable';
    context.onSlackError?.('views.open', reason);
    context.logger.warn({ err: error, reason }, 'could not open the Flow control modal');
    return { ok: false, error: reason };
  }
}

/**
 * Whether any rule lets this person do anything. When the check can't finish in time (group lookups
 * waiting on Slack), the form is shown: what they submit is authorized like every request.
 */
async function hasAnyAccess(context: ListenerContext, userId: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ACCESS_CHECK_MS);
  });
  const check = context.access.current
    .grantsFor(userId)
    .then(({ grants }) => grants.some((grant) => grant.effect === 'allow'))
    .catch(() => true);
  const answer = await Promise.race([check, late]);
  clearTimeout(timer);
  return answer;
}
