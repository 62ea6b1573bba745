import type { ApprovalRequest } from '../../../core/operations/approvals.js';
import { type ApprovalStage, approvalCard } from '../../blocks/approval.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { allowedOrTold, tell } from '../flows/allowed.js';
import { startRamp } from '../flows/ramp.js';
import { type ButtonArgs, clickOf } from './button-args.js';

async function redraw(
  context: ListenerContext,
  args: ButtonArgs,
  request: ApprovalRequest,
  stage: ApprovalStage,
): Promise<void> {
  const state = await context.operations.peek(request.change.target);
  const card = approvalCard(request, state === 'not_found' ? undefined : state, context.naming, stage);
  const updated = await reply(context, args.respond, card, {
    visibility: 'in_channel',
    replaceOriginal: true,
  });
  if (!updated && request.message)
    await context.notifier.update(request.message.channel, request.message.ts, card);
}

/**
 * Approve: someone other than the requester, allowed to `approve` on that key, decides; the change then runs
 * once, as the requester's, with the approver recorded.
 */
export function flowApproveButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const request = await context.approvals.get(click.value);
      if (!request) {
        await tell(context, args.respond, 'This request was already decided or has expired.');
        return;
      }
      if (request.requesterId === click.userId) {
        await tell(context, args.respond, 'You can’t approve your own request; someone else has to.');
        return;
      }
      if (
        !(await allowedOrTold(
          context,
          args.respond,
          click.userId,
          'approve',
          request.change.target,
          click.channelId,
        ))
      ) {
        return;
      }
      const decision = await context.approvals.decide(request.id, click.userId);
      if (decision.kind !== 'decided') {
        await tell(context, args.respond, 'This request was already decided or has expired.');
        return;
      }
      const { change } = decision.request;
      context.audit.record({
        actor: click.userId,
        action: 'approve',
        key: change.target.key,
        environment: change.target.environment,
        channel: click.channelId,
        source: 'button',
        outcome: 'done',
        requester: request.requesterId,
        approved: change.action,
        latencyMs: 0,
      });
      if (change.action === 'ramp') {
        await startRamp(
          context,
          args.respond,
          request.requesterId,
          request.channelId,
          change.target,
          change.request,
          click.userId,
        );
        await redraw(context, args, decision.request, {
          kind: 'approved',
          by: click.userId,
          outcome: {
            kind: 'done',
            action: 'ramp',
            target: change.target,
            actorId: request.requesterId,
            before: undefined,
            after: undefined,
            at: new Date(),
          },
        });
        return;
      }
      const outcome = await context.operations.perform(change, {
        actorId: request.requesterId,
        target: change.target,
        channelId: request.channelId,
        source: 'approval',
        approvedBy: click.userId,
      });
      await redraw(context, args, decision.request, { kind: 'approved', by: click.userId, outcome });
    });
  };
}

/** Reject: anyone allowed to approve, or the requester withdrawing; nothing changes. */
export function flowRejectButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const request = await context.approvals.get(click.value);
      if (!request) {
        await tell(context, args.respond, 'This request was already decided or has expired.');
        return;
      }
      if (request.requesterId === click.userId) {
        const withdrawn = await context.approvals.withdraw(request.id, click.userId);
        if (withdrawn) await redraw(context, args, withdrawn, { kind: 'withdrawn' });
        return;
      }
      if (
        !(await allowedOrTold(
          context,
          args.respond,
          click.userId,
          'approve',
          request.change.target,
          click.channelId,
        ))
      ) {
        return;
      }
      const decision = await context.approvals.decide(request.id, click.userId);
      if (decision.kind !== 'decided') return;
      context.audit.record({
        actor: click.userId,
        action: 'approve',
        key: request.change.target.key,
        environment: request.change.target.environment,
        channel: click.channelId,
        source: 'button',
        outcome: 'denied',
        reason: 'rejected',
        requester: request.requesterId,
        latencyMs: 0,
      });
      await redraw(context, args, decision.request, { kind: 'rejected', by: click.userId });
    });
  };
}
