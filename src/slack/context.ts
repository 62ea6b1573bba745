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
  /** Counts failed Slack calls (metrics). */
  readonly onSlackError?: (method: string, error: string) => void;
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
    context.onSlackError?.('response_url', 'failed');
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

/**
 * `respond`, with a second way out: when the response_url fails (expired, used up, Slack trouble there), the
 * message goes through the Web API instead (privately with chat.postEphemeral, publicly with
 * chat.postMessage), so the person still hears the outcome. Updates in place have no such fallback.
 */
export function resilientRespond(
  context: ListenerContext,
  respond: RespondFn,
  channel: string | undefined,
  user: string | undefined,
): RespondFn {
  return async (message) => {
    try {
      return await respond(message);
    } catch (error) {
      const payload = typeof message === 'string' ? { text: message } : message;
      if (!channel || payload.replace_original || payload.delete_original) throw error;
      const blocks =
        'blocks' in payload && Array.isArray(payload.blocks)
          ? (payload.blocks as SlackMessage['blocks'])
          : [];
      const fallback = { text: String(payload.text ?? ''), blocks };
      context.logger.warn(
        { err: error, channel },
        'response_url failed; answering through the Web API instead',
      );
      const posted =
        payload.response_type === 'in_channel'
          ? await context.notifier.post(channel, fallback)
          : user
            ? await context.notifier.postEphemeral(channel, user, fallback)
            : { kind: 'failed' as const, error: 'no user' };
      if (posted.kind === 'failed') throw error;
      return new Response(null, { status: 200 });
    }
  };
}
