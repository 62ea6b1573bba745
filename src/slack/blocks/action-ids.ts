/** Every Flowbot button's action_id starts with `flow_`; `flow_resume` is public (alert senders use it). */
export const ACTION_IDS = {
  resume: 'flow_resume',
  pause: 'flow_pause',
  refresh: 'flow_refresh',
  status: 'flow_status',
  listRefresh: 'flow_list_refresh',
  confirm: 'flow_confirm',
  cancel: 'flow_cancel',
  approve: 'flow_approve',
  ramp: 'flow_ramp',
  rampHold: 'flow_ramp_hold',
  rampContinue: 'flow_ramp_continue',
  rampFinish: 'flow_ramp_finish',
  rampAbort: 'flow_ramp_abort',
  reject: 'flow_reject',
  bulkConfirm: 'flow_bulk_confirm',
  bulkCancel: 'flow_bulk_cancel',
  bulkApprove: 'flow_bulk_approve',
  bulkReject: 'flow_bulk_reject',
  rollupList: 'flow_rollup_list',
} as const;

/** Status cards carry this block_id prefix, so a click can tell a status card from an alert. */
export const STATUS_BLOCK_PREFIX = 'flow_status';
