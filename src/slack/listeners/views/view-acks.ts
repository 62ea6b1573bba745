import type { EnvironmentNames } from '../../../core/commands/flow-command.js';
import { FLOW_CONTROL_VIEW } from '../../blocks/surface-ids.js';
import { parseFlowControlForm } from './flow-control-form.js';

/** What a view submission is acknowledged with: nothing (the modal closes) or errors shown beside the inputs. */
export type ViewAck =
  | { readonly response_action: 'errors'; readonly errors: Readonly<Record<string, string>> }
  | undefined;

/**
 * Flowbot's modals and how their submissions are acknowledged. Like a command's, the acknowledgement depends on
 * the submission alone, so the front door thread decides it without a round trip to the app.
 */
export const VIEW_ACKS: Readonly<Record<string, (view: unknown, environments: EnvironmentNames) => ViewAck>> =
  {
    [FLOW_CONTROL_VIEW]: (view, environments) => {
      const parsed = parseFlowControlForm(view, environments);
      return parsed.ok ? undefined : { response_action: 'errors', errors: parsed.errors };
    },
  };

/** The acknowledgement of a `view_submission` body, for any callback_id (unknown ones close quietly). */
export function viewSubmissionAck(body: Record<string, unknown>, environments: EnvironmentNames): ViewAck {
  const view = body.view as { callback_id?: unknown } | undefined;
  const callbackId = typeof view?.callback_id === 'string' ? view.callback_id : '';
  if (!Object.hasOwn(VIEW_ACKS, callbackId)) return undefined;
  return VIEW_ACKS[callbackId]?.(view, environments);
}
