import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import {
  FLOW_CONTROL_VIEW,
  KEY_PICKER,
  SHORTCUTS,
  VIEW_ACTION_IDS,
  WORKFLOW_STEPS,
} from '../blocks/surface-ids.js';
import type { Services } from '../services.js';
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
export function registerSurfaces(app: App, services: Services): void {
  app.event('app_home_opened', appHomeOpened(services));
  app.action<BlockAction<ButtonAction>>(
    { action_id: VIEW_ACTION_IDS.homeRefresh, type: 'block_actions' },
    homeRefreshButton(services),
  );
  app.action<BlockAction<ButtonAction>>(
    { action_id: VIEW_ACTION_IDS.homeOpen, type: 'block_actions' },
    homeOpenButton(services),
  );
  app.options({ action_id: KEY_PICKER, type: 'block_suggestion' }, flowKeyOptions(services));
  app.shortcut({ callback_id: SHORTCUTS.control, type: 'shortcut' }, flowControlShortcut(services));
  app.shortcut({ callback_id: SHORTCUTS.message, type: 'message_action' }, messageShortcut(services));
  app.action<BlockAction<StaticSelectAction>>(
    { action_id: VIEW_ACTION_IDS.modalAction, type: 'block_actions' },
    flowActionSelect(services),
  );
  app.view({ callback_id: FLOW_CONTROL_VIEW, type: 'view_submission' }, flowControlSubmission(services));
  app.function(WORKFLOW_STEPS.resume, flowStep(services, 'resume'));
  app.function(WORKFLOW_STEPS.pause, flowStep(services, 'pause'));
  app.function(WORKFLOW_STEPS.get, flowStep(services, 'get'));
  app.event('function_executed', unknownStepListener(services));
}
