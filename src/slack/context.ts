import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AuditLog } from '../core/audit.js';
import type { Approvals } from '../core/operations/approvals.js';
import type { Confirmations } from '../core/operations/confirmations.js';
import type { FlowOperations } from '../core/operations/flow-operations.js';
import type { PolicyAccess } from '../core/policy/policy-access.js';
import type { QStashEnvironments } from '../core/qstash/environments.js';
import type { Ramps } from '../core/ramp/ramps.js';
import { StoreUnavailable } from '../core/store/state-store.js';
import type { WorkTracker } from '../core/work-tracker.js';
import type { AlertDesk } from './alerts/alert-desk.js';
import type { KeyNaming } from './blocks/outcome.js';
import type { SlackMessage } from './blocks/types.js';
import type { SlackNotifier } from './notifier.js';

/** What every listener needs; built once in the composition root. */
export interface ListenerContext {
  readonly operations: FlowOperations;
  readonly confirmations: Confirmations;
  readonly approvals: Approvals;
  readonly access: PolicyAccess;
  readonly notifier: SlackNotifier;
  readonly desk: AlertDesk;
  readonly ramps: Ramps;
  readonly environments: QStashEnvironments;
  readonly naming: KeyNaming;
  readonly audit: AuditLog;
  readonly work: WorkTracker;
  readonly logger: Logger;
}

export type Visibility = 'in_channel' | 'ephemeral';

/**
 * Sends a reply through `response_url`. A failure is logged (the person may not see it, so the log is the
 * last record) and never thrown: the work behind it has already happened.
 */
export async function reply(
  context: ListenerContext,
  respond: RespondFn,
  message: SlackMessage,
  options: { visibility: Visibility; replaceOriginal?: boolean },
): Promise<boolean> {
  const payload: RespondArguments = {
    text: message.text,
    blocks: message.blocks,
    response_type: options.visibility,
    replace_original: options.replaceOriginal ?? false,
  };
  try {
    await respond(payload);
    return true;
  } catch (error) {
    context.logger.error(
      { err: error, visibility: options.visibility, reply: message.text.slice(0, 200) },
      'could not deliver a reply through response_url',
    );
    return false;
  }
}

/**
 * Runs the work behind a Slack request after the ack, tracked for graceful shutdown. Whatever goes wrong
 * inside still ends in a message to the person: shared state unreachable, or an unexpected error.
 */
export function runForUser(
  context: ListenerContext,
  respond: RespondFn,
  work: () => Promise<unknown>,
): Promise<void> {
  return context.work.run(async () => {
    try {
      await work();
    } catch (error) {
      const stateDown = error instanceof StoreUnavailable;
      context.logger.error(
        { err: error },
        stateDown ? 'shared state unavailable' : 'a Slack request failed unexpectedly',
      );
      const text = stateDown
        ? ':warning: Flowbot can’t reach its shared state (Redis) right now, so it did not act. Nothing was changed; try again in a moment.'
        : ':warning: Something went wrong inside Flowbot while handling this. It has been logged; check `/flow status` before trying again.';
      await reply(
        context,
        respond,
        { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] },
        { visibility: 'ephemeral' },
      );
    }
  });
}
