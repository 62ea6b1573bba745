import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import type { ListenerContext } from '../../context.js';
import { flowApproveButton, flowRejectButton } from './flow-approve.js';
import { flowCancelButton, flowConfirmButton } from './flow-confirm.js';
import { flowPauseButton } from './flow-pause.js';
import { flowRampButton, flowRampControlButton } from './flow-ramp.js';
import { flowListRefreshButton, flowRefreshButton, flowStatusButton } from './flow-refresh.js';
import { flowResumeButton } from './flow-resume.js';
import { unknownButton } from './unknown-button.js';

type Button = BlockAction<ButtonAction>;

/** `flow_resume` may carry a `#<n>` suffix where several Resume buttons share a block. */
const RESUME_ACTION = /^flow_resume(?:#\d{1,3})?$/;

/** Every action_id Flowbot handles; the catch-all below answers the rest. */
const KNOWN: readonly (string | RegExp)[] = [
  RESUME_ACTION,
  ...Object.values(ACTION_IDS).filter((id) => id !== ACTION_IDS.resume),
];

export function registerActions(app: App, context: ListenerContext): void {
  app.action<Button>({ action_id: RESUME_ACTION, type: 'block_actions' }, flowResumeButton(context));
  app.action<Button>({ action_id: ACTION_IDS.pause, type: 'block_actions' }, flowPauseButton(context));
  app.action<Button>({ action_id: ACTION_IDS.refresh, type: 'block_actions' }, flowRefreshButton(context));
  app.action<Button>({ action_id: ACTION_IDS.status, type: 'block_actions' }, flowStatusButton(context));
  app.action<Button>(
    { action_id: ACTION_IDS.listRefresh, type: 'block_actions' },
    flowListRefreshButton(context),
  );
  app.action<Button>({ action_id: ACTION_IDS.confirm, type: 'block_actions' }, flowConfirmButton(context));
  app.action<Button>({ action_id: ACTION_IDS.cancel, type: 'block_actions' }, flowCancelButton(context));
  app.action<Button>({ action_id: ACTION_IDS.approve, type: 'block_actions' }, flowApproveButton(context));
  app.action<Button>({ action_id: ACTION_IDS.reject, type: 'block_actions' }, flowRejectButton(context));
  app.action<Button>({ action_id: ACTION_IDS.ramp, type: 'block_actions' }, flowRampButton(context));
  app.action<Button>(
    { action_id: ACTION_IDS.rampHold, type: 'block_actions' },
    flowRampControlButton(context, 'hold'),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampContinue, type: 'block_actions' },
    flowRampControlButton(context, 'proceed'),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampFinish, type: 'block_actions' },
    flowRampControlButton(context, 'finish'),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampAbort, type: 'block_actions' },
    flowRampControlButton(context, 'abort'),
  );
  // Registered last. Link buttons (other systems' alerts) and buttons from another version of Flowbot still
  // send clicks; they are acknowledged, and a `flow_` one the person clicked is told it did nothing.
  app.action<Button>({ type: 'block_actions' }, unknownButton(context, KNOWN));
}
