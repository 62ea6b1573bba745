/**
 * Names Slack routes Flowbot's surfaces by. The first five are public (the manifest and Workflow Builder
 * refer to them): the key picker, the two shortcuts and the Workflow Builder steps.
 */

/** The key picker (`external_select`): its options come from Flowbot's options load URL. */
export const KEY_PICKER = 'flow_key';

export const SHORTCUTS = {
  /** Global shortcut: opens the Flow control modal. */
  control: 'flow_control',
  /** Message shortcut: opens the modal with the keys found in the message. */
  message: 'flow_message_action',
} as const;

export const WORKFLOW_STEPS = {
  resume: 'resume_flow_key',
  pause: 'pause_flow_key',
  get: 'get_flow_key',
} as const;

/** The Flow control modal's callback_id (its submissions and closings are routed by it). */
export const FLOW_CONTROL_VIEW = 'flow_control_modal';

/** Elements inside Flowbot's views that send `block_actions` of their own. */
export const VIEW_ACTION_IDS = {
  /** The modal's action menu: choosing redraws the modal with that action's fields. */
  modalAction: 'flow_action',
  /** Home tab: read everything again now. */
  homeRefresh: 'flow_home_refresh',
  /** Home tab: open the Flow control modal. */
  homeOpen: 'flow_home_open',
} as const;
