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
  const handlers: readonly [string | RegExp, (args: ButtonArgs) => Promise<void>][] = [
    [RESUME_ACTION, flowResumeButton(context)],
    [ACTION_IDS.pause, flowPauseButton(context)],
    [ACTION_IDS.refresh, flowRefreshButton(context)],
    [ACTION_IDS.status, flowStatusButton(context)],
    [ACTION_IDS.listRefresh, flowListRefreshButton(context)],
    [ACTION_IDS.confirm, flowConfirmButton(context)],
    [ACTION_IDS.cancel, flowCancelButton(context)],
    [ACTION_IDS.approve, flowApproveButton(context)],
    [ACTION_IDS.reject, flowRejectButton(context)],
    [ACTION_IDS.ramp, flowRampButton(context)],
    [ACTION_IDS.rampHold, flowRampControlButton(context, 'hold')],
    [ACTION_IDS.rampContinue, flowRampControlButton(context, 'proceed')],
    [ACTION_IDS.rampFinish, flowRampControlButton(context, 'finish')],
    [ACTION_IDS.rampAbort, flowRampControlButton(context, 'abort')],
  ];
  for (const [actionId, handler] of handlers) {
    app.action<Button>({ action_id: actionId, type: 'block_actions' }, resilient(context, handler));
  }
  // Registered last. Link buttons (other systems' alerts) and buttons from another version of Flowbot still
  // send clicks; they are acknowledged, and a `flow_` one the person clicked is told it did nothing.
  const known = handlers.map(([actionId]) => actionId);
  app.action<Button>({ type: 'block_actions' }, resilient(context, unknownButton(context, known)));
}
