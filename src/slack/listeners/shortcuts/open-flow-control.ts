import type { WebClient } from '@slack/web-api';
import type { ReadRequest } from '../../../core/operations/change.js';
import { helpMessage } from '../../blocks/help.js';
import {
  flowControlModal,
  type ModalMetadata,
  type ModalPrefill,
  noAccessModal,
  otherTeamModal,
} from '../../blocks/modal.js';
import { outboundView } from '../../blocks/outbound.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import type { SlashContext } from '../commands/slash-listener.js';

/** A trigger_id lasts 3 seconds: the access check that picks the modal gets at most this long. */
const ACCESS_CHECK_MS = 1_200;

export type OpenResult = { readonly kind: 'opened' } | { readonly kind: 'failed'; readonly error: string };

/**
 * Opens the Flow control modal with the click's, shortcut's or command's trigger_id (single use, valid 3 s),
 * prefilled as given; someone no rule grants anything gets a modal saying how to get access instead (what
 * they could submit would be refused anyway: every submission is authorized by core), and a person of another
 * workspace or org no rule names gets a modal saying so (audited). The key list is read
 * again in the background if it is old, so the picker is fresh by the time they type.
 */
export async function openFlowControl(
  services: Services,
  client: WebClient,
  triggerId: string,
  asking: ReadRequest,
  prefill: ModalPrefill,
  metadata: ModalMetadata,
): Promise<OpenResult> {
  services.surfaces.catalog.freshen();
  const otherTeam = services.operations.admitTeam({ ...asking, action: 'modal' });
  const view = outboundView(
    otherTeam
      ? otherTeamModal(otherTeam.team)
      : (await hasAnyAccess(services, asking))
        ? flowControlModal(prefill, metadata, services.naming)
        : noAccessModal(asking.actorId),
  );
  try {
    await client.views.open({ trigger_id: triggerId, view });
    return { kind: 'opened' };
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    const reason = typeof code === 'string' ? code : 'unreachable';
    services.onSlackError?.('views.open', reason);
    services.logger.warn({ err: error, reason }, 'could not open the Flow control modal');
    return { kind: 'failed', error: reason };
  }
}

/** `/flow` alone: the modal, opened in the command's channel; help privately if Slack won't open it. */
export async function openFromCommand(
  services: Services,
  request: SlackRequest,
  slash: SlashContext,
): Promise<void> {
  const opened = await openFlowControl(
    services,
    slash.client,
    slash.triggerId,
    request.asking,
    {},
    { origin: 'command', ...(request.channelId ? { channelId: request.channelId } : {}) },
  );
  if (opened.kind === 'opened') return;
  await request.tell(helpMessage(undefined, services.environments.names));
}

/**
 * Whether any rule lets this person do anything (core's answer, as `/flow whoami` shows it). When the check
 * can't finish in time (group lookups waiting on Slack), the form is shown: what they submit is authorized
 * like every request.
 */
async function hasAnyAccess(services: Services, asking: ReadRequest): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ACCESS_CHECK_MS);
  });
  const check = services.operations
    .grants(asking)
    .then(({ grants }) => grants.some((grant) => grant.effect === 'allow'))
    .catch(() => true);
  const answer = await Promise.race([check, late]);
  clearTimeout(timer);
  return answer;
}
