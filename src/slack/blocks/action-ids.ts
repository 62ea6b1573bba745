/** Every Flowbot button's action_id starts with `flow_`; these are public (alert senders use them). */
export const ACTION_IDS = {
  resume: 'flow_resume',
} as const;
