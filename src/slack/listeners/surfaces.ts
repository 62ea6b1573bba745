import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import {
  FLOW_CONTROL_VIEW,
  KEY_PICKER,
  SHORTCUTS,
  VIEW_ACTION_IDS,
  WORKFLOW_STEPS,
} from '../blocks/surface-ids.js';
import type { ListenerContext } from '../context.js';
import { flowStep, unknownStepListener } from './functions/flow-steps.js';
import { appHomeOpened } from './home/app-home-opened.js';
import { homeOpenButton, homeRefreshButton } from './home/home-buttons.js';
import { flowKeyOptions } from './options/flow-key-options.js';
import { flowControlShortcut } from './shortcuts/flow-control-shortcut.js';
import { messageShortcut } from './shortcuts/message-shortcut.js';
import { flowActionSelect } from './views/flow-action-select.js';
import { flowControlSubmission } from './views/flow-control-submission.js';

/**
 * Flowbot beyond commands and buttons: the Home tab, the key picker's options, the shortcuts and the Flow
 * control modal, and the Workflow Builder steps. Each calls the same flows and operations as the commands.
 */
export function registerSurfaces(app: App, context: ListenerContext): void {
  app.event('app_home_opened', appHomeOpened(context));
  app.action<BlockAction<ButtonAction>>(
    { action_id: VIEW_ACTION_IDS.homeRefresh, type: 'block_actions' },
    homeRefreshButton(context),
  );
  app.action<BlockAction<ButtonAction>>(
    { action_id: VIEW_ACTION_IDS.homeOpen, type: 'block_actions' },
    homeOpenButton(context),
  );
  app.options({ action_id: KEY_PICKER, type: 'block_suggestion' }, flowKeyOptions(context));
  app.shortcut({ callback_id: SHORTCUTS.control, type: 'shortcut' }, flowControlShortcut(context));
  app.shortcut({ callback_id: SHORTCUTS.message, type: 'message_action' }, messageShortcut(context));
  app.action<BlockAction<StaticSelectAction>>(
    { action_id: VIEW_ACTION_IDS.modalAction, type: 'block_actions' },
    flowActionSelect(context),
  );
  app.view({ callback_id: FLOW_CONTROL_VIEW, type: 'view_submission' }, flowControlSubmission(context));
  app.function(WORKFLOW_STEPS.resume, flowStep(context, 'resume'));
  app.function(WORKFLOW_STEPS.pause, flowStep(context, 'pause'));
  app.function(WORKFLOW_STEPS.get, flowStep(context, 'get'));
  app.event('function_executed', unknownStepListener(context));
}
