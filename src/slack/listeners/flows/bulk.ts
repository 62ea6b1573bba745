import type { KeyPattern } from '../../../core/bulk/key-pattern.js';
import type { Change } from '../../../core/operations/change.js';
import { bulkNothingMessage, bulkPreviewMessage } from '../../blocks/bulk.js';
import { otherTeamMessage } from '../../blocks/refusal.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';

/**
 * A change by pattern (`/flow resume orders-*`, `/flow-resume prod:orders-*`): always a private preview
 * first (core decides what each key would do); only its Confirm acts.
 */
export async function previewBulk(
  services: Services,
  request: SlackRequest,
  pattern: KeyPattern,
  change: Change,
): Promise<void> {
  // Keys a person of another workspace may not see are left out of a preview silently; say why instead.
  const otherTeam = services.operations.admitTeam({ ...request.asking, action: 'bulk' });
  if (otherTeam) {
    await request.tell(otherTeamMessage(otherTeam.team));
    return;
  }
  const preview = await services.operations.bulk.preview({ ...request.asking, pattern, change });
  await request.tell(
    preview.kind === 'proposed'
      ? bulkPreviewMessage(preview, pattern, change, services.naming)
      : bulkNothingMessage(preview, pattern, change, services.naming),
  );
}
