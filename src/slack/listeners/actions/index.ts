import type { App, BlockAction, ButtonAction, InteractiveAction, InteractiveMessage } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import { VIEW_ACTION_IDS } from '../../blocks/surface-ids.js';
import type { Services } from '../../services.js';
import type { ButtonArgs } from './button-args.js';
import { flowApproveButton, flowRejectButton } from './flow-approve.js';
import {
  flowBulkApproveButton,
  flowBulkCancelButton,
  flowBulkConfirmButton,
  flowBulkRejectButton,
} from './flow-bulk.js';
import { flowCancelButton, flowConfirmButton } from './flow-confirm.js';
import { flowPauseButton } from './flow-pause.js';
import { flowRampButton, flowRampControlButton } from './flow-ramp.js';
import { flowListRefreshButton, flowRefreshButton, flowStatusButton } from './flow-refresh.js';
import { flowResumeButton } from './flow-resume.js';
import { flowRollupListButton } from './flow-rollup-list.js';
import { legacyButtons } from './legacy-buttons.js';
import { unknownButton } from './unknown-button.js';

type Button = BlockAction<ButtonAction>;

/** `flow_resume` may carry a `#<n>` suffix where several Resume buttons share a block. */
const RESUME_ACTION = /^flow_resume(?:#\d{1,3})?$/;

export function registerActions(app: App, services: Services): void {
  const handlers: readonly [string | RegExp, (args: ButtonArgs) => Promise<void>][] = [
    [RESUME_ACTION, flowResumeButton(services)],
    [ACTION_IDS.pause, flowPauseButton(services)],
    [ACTION_IDS.refresh, flowRefreshButton(services)],
    [ACTION_IDS.status, flowStatusButton(services)],
    [ACTION_IDS.listRefresh, flowListRefreshButton(services)],
    [ACTION_IDS.confirm, flowConfirmButton(services)],
    [ACTION_IDS.cancel, flowCancelButton(services)],
    [ACTION_IDS.approve, flowApproveButton(services)],
    [ACTION_IDS.reject, flowRejectButton(services)],
    [ACTION_IDS.ramp, flowRampButton(services)],
    [ACTION_IDS.rampHold, flowRampControlButton(services, 'hold')],
    [ACTION_IDS.rampContinue, flowRampControlButton(services, 'proceed')],
    [ACTION_IDS.rampFinish, flowRampControlButton(services, 'finish')],
    [ACTION_IDS.rampAbort, flowRampControlButton(services, 'abort')],
    [ACTION_IDS.bulkConfirm, flowBulkConfirmButton(services)],
    [ACTION_IDS.bulkCancel, flowBulkCancelButton(services)],
    [ACTION_IDS.bulkApprove, flowBulkApproveButton(services)],
    [ACTION_IDS.bulkReject, flowBulkRejectButton(services)],
    [ACTION_IDS.rollupList, flowRollupListButton(services)],
  ];
  for (const [actionId, handler] of handlers) {
    app.action<Button>({ action_id: actionId, type: 'block_actions' }, handler);
  }
  // Registered last. Link buttons (other systems' alerts) and buttons from another version of Flowbot still
  // send clicks; they are acknowledged, and a `flow_` one the person clicked is told it did nothing.
  const known = [...handlers.map(([actionId]) => actionId), ...Object.values(VIEW_ACTION_IDS)];
  app.action<Button>({ type: 'block_actions' }, unknownButton(services, known));
  app.action<InteractiveMessage<InteractiveAction>>({ type: 'interactive_message' }, legacyButtons(services));
}
