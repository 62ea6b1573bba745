import type { RespondFn } from '@slack/bolt';
import type { KeyRef } from '../../../core/keys.js';
import { planRamp, type RampRequest } from '../../../core/ramp/ramp-plan.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { describeRampPlanProblem } from '../../blocks/input-problems.js';
import { escapeMrkdwn } from '../../blocks/mrkdwn.js';
import { problemMessage, refusedMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply } from '../../context.js';
import { requestApproval } from './approval.js';

/**
 * Starts a ramp for someone who confirmed it (or whose request was approved): authorized again, planned from
 * the key's live limits, then handed to the ramp runner, which posts the progress message.
 */
export async function startRamp(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  target: KeyRef,
  request: RampRequest,
  approvedBy?: string,
): Promise<void> {
  const started = Date.now();
  const decision = await context.access.current.decide({
    actor: { userId: actorId },
    action: 'ramp',
    environment: target.environment,
    key: target.key,
    channelId,
  });
  const audit = (outcome: 'done' | 'denied' | 'failed' | 'requested', reason?: string) =>
    context.audit.record({
      actor: actorId,
      action: 'ramp',
      key: target.key,
      environment: target.environment,
      channel: channelId,
      source: approvedBy ? 'approval' : 'confirm',
      outcome,
      ...(reason ? { reason } : {}),
      ...(approvedBy ? { approvedBy } : {}),
      latencyMs: Date.now() - started,
    });
  if (!decision.allowed) {
    audit('denied', decision.reason);
    await reply(
      context,
      respond,
      refusedMessage(
        { kind: 'refused', action: 'ramp', target, explanation: decision.explanation },
        context.naming,
      ),
      {
        visibility: 'ephemeral',
      },
    );
    return;
  }
  if (decision.approval && !approvedBy) {
    audit('requested', 'approval required');
    await requestApproval(
      context,
      respond,
      {
        kind: 'needs_approval',
        action: 'ramp',
        target,
        actorId,
        rule: decision.approval.rule,
        expiresMs: decision.approval.expiresMs,
      },
      { action: 'ramp', target, request },
      channelId,
    );
    return;
  }
  const state = await context.operations.peek(target);
  if (typeof state !== 'object') {
    audit('failed', state ?? 'unavailable');
    const problem =
      state === 'not_found'
        ? 'QStash has no flow-control key by that name'
        : 'QStash did not say what the key’s limits are';
    await reply(
      context,
      respond,
      problemMessage(`${problem}; the ramp did not start. Nothing was changed.`),
      { visibility: 'ephemeral' },
    );
    return;
  }
  const planned = planRamp(state, request);
  if (planned.kind === 'invalid') {
    audit('failed', 'no plan');
    await reply(context, respond, problemMessage(describeRampPlanProblem(planned.problem)), {
      visibility: 'ephemeral',
    });
    return;
  }
  const result = await context.ramps.start(target, planned.plan, actorId, channelId);
  if (!result.ok) {
    audit('failed', result.problem);
    await reply(context, respond, problemMessage(escapeMrkdwn(result.problem)), { visibility: 'ephemeral' });
    return;
  }
  audit('done');
  if (!result.ramp.message) {
    await reply(
      context,
      respond,
      noteMessage(
        'The ramp started, but its progress message could not be posted here; invite Flowbot to the channel to see it.',
      ),
      {
        visibility: 'ephemeral',
      },
    );
  }
}
