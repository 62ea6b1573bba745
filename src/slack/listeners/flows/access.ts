import type { FlowAction } from '../../../core/access/types.js';
import type { KeyRef } from '../../../core/keys.js';
import { canMessage, whoamiMessage } from '../../blocks/access.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';

/** `/flow whoami`: only the asker's own grants, and what in the policy can never match. */
export async function showWhoami(services: Services, request: SlackRequest): Promise<void> {
  const { grants, uncertain, approvalWarnings, missingGroups } = await services.operations.grants(
    request.asking,
  );
  const bulk = await services.operations.bulkLimits(request.asking);
  await request.tell(whoamiMessage(grants, uncertain, approvalWarnings, bulk, missingGroups));
}

/** `/flow can <action> <key>`: core answers as the pipeline would; the words are the blocks'. */
export async function showCan(
  services: Services,
  request: SlackRequest,
  action: FlowAction,
  target: KeyRef,
): Promise<void> {
  const decision = await services.operations.can({ ...request.asking, action, target });
  await request.tell(canMessage(action, target, decision, services.naming));
}
