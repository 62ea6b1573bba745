import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import { type ListenerContext, resilientRespond } from '../../context.js';
import type { ButtonArgs } from './button-args.js';
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

/** Every handler gets a respond that falls back to the Web API when the response_url fails. */
function resilient(context: ListenerContext, handler: (args: ButtonArgs) => Promise<void>) {
  return (args: ButtonArgs) =>
    handler({
      ...args,
      respond: resilientRespond(
        context,
        args.respond,
        args.body.channel?.id ?? args.body.container?.channel_id,
        args.body.user?.id,
      ),
    });
}

export function registerActions(app: App, context: ListenerContext): void {
  app.action<Button>(
    { action_id: RESUME_ACTION, type: 'block_actions' },
    resilient(context, flowResumeButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.pause, type: 'block_actions' },
    resilient(context, flowPauseButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.refresh, type: 'block_actions' },
    resilient(context, flowRefreshButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.status, type: 'block_actions' },
    resilient(context, flowStatusButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.listRefresh, type: 'block_actions' },
    resilient(context, flowListRefreshButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.confirm, type: 'block_actions' },
    resilient(context, flowConfirmButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.cancel, type: 'block_actions' },
    resilient(context, flowCancelButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.approve, type: 'block_actions' },
    resilient(context, flowApproveButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.reject, type: 'block_actions' },
    resilient(context, flowRejectButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.ramp, type: 'block_actions' },
    resilient(context, flowRampButton(context)),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampHold, type: 'block_actions' },
    resilient(context, flowRampControlButton(context, 'hold')),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampContinue, type: 'block_actions' },
    resilient(context, flowRampControlButton(context, 'proceed')),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampFinish, type: 'block_actions' },
    resilient(context, flowRampControlButton(context, 'finish')),
  );
  app.action<Button>(
    { action_id: ACTION_IDS.rampAbort, type: 'block_actions' },
    resilient(context, flowRampControlButton(context, 'abort')),
  );
  // Registered last. Link buttons (other systems' alerts) and buttons from another version of Flowbot still
  // send clicks; they are acknowledged, and a `flow_` one the person clicked is told it did nothing.
  app.action<Button>({ type: 'block_actions' }, resilient(context, unknownButton(context, KNOWN)));
}
