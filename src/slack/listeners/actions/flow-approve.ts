import type { ApprovalRequest } from '../../../core/operations/approvals.js';
import { type ApprovalStage, approvalCard } from '../../blocks/approval.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { allowedOrTold, tell } from '../flows/allowed.js';
import { startRamp } from '../flows/ramp.js';
import { type ButtonArgs, type Click, clickOf } from './button-args.js';

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

const GONE = 'This request was already decided or has expired.';

/** The open request a card's button names, or undefined after telling the clicker it is over. */
async function openRequest(
  context: ListenerContext,
  args: ButtonArgs,
  id: string,
): Promise<ApprovalRequest | undefined> {
  const request = await context.approvals.get(id);
  if (!request) await tell(context, args.respond, GONE);
  return request;
}

/**
 * Decides the request for someone who may approve its key (a refusal is told); taking it from the store is
 * what makes the first decision the only one.
 */
async function takeDecision(
  context: ListenerContext,
  args: ButtonArgs,
  click: Click,
  request: ApprovalRequest,
): Promise<ApprovalRequest | 'refused' | 'gone'> {
  const target = request.change.target;
  if (!(await allowedOrTold(context, args.respond, click.userId, 'approve', target, click.channelId))) {
    return 'refused';
  }
  const decision = await context.approvals.decide(request.id, click.userId);
  return decision.kind === 'decided' ? decision.request : 'gone';
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
      const request = await openRequest(context, args, click.value);
      if (!request) return;
      if (request.requesterId === click.userId) {
        await tell(context, args.respond, 'You can’t approve your own request; someone else has to.');
        return;
      }
      const decided = await takeDecision(context, args, click, request);
      if (decided === 'refused') return;
      if (decided === 'gone') {
        await tell(context, args.respond, GONE);
        return;
      }
      const { change } = decided;
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
        await redraw(context, args, decided, {
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
      await redraw(context, args, decided, { kind: 'approved', by: click.userId, outcome });
    });
  };
}

/** Reject: anyone allowed to approve, or the requester withdrawing; nothing changes. */
export function flowRejectButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const request = await openRequest(context, args, click.value);
      if (!request) return;
      if (request.requesterId === click.userId) {
        const withdrawn = await context.approvals.withdraw(request.id, click.userId);
        if (withdrawn) await redraw(context, args, withdrawn, { kind: 'withdrawn' });
        return;
      }
      const decided = await takeDecision(context, args, click, request);
      if (typeof decided === 'string') return;
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
      await redraw(context, args, decided, { kind: 'rejected', by: click.userId });
    });
  };
}
