import type { AccessPolicy } from '../access/types.js';
import { type AuditLog, auditRecorder } from '../audit.js';
import type { KeyRef } from '../keys.js';
import type { ApprovalRequest, Approvals } from './approvals.js';
import { actorOf, authorizeAll, refusalDetails } from './authorize.js';
import { type ChangeRequest, changeOf, type Source } from './change.js';
import type { Outcome } from './outcome.js';
import type { RunOptions } from './pipeline.js';
import type { Refusal } from './refusal.js';

/** Someone deciding an approval request: Approve or Reject on its card. */
export interface DecisionRequest {
  readonly requestId: string;
  /** Who decides (the approver, or the requester withdrawing). */
  readonly actorId: string;
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly source: Source;
  readonly approvalId: string;
}

export type DecisionOutcome =
  /** Decided already, expired, or never was. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'own_request' }
  | { readonly kind: 'refused'; readonly target: KeyRef; readonly refusal: Refusal }
  /** Approved, and the change ran for the requester: its outcome. */
  | {
      readonly kind: 'approved';
      readonly approval: ApprovalRequest;
      readonly by: string;
      readonly outcome: Outcome;
    }
  /** Approved, but the requester has made too many changes just now: the request stays open until then. */
  | {
      readonly kind: 'postponed';
      readonly approval: ApprovalRequest;
      readonly by: string;
      readonly retryAfterMs: number;
    }
  | { readonly kind: 'rejected'; readonly approval: ApprovalRequest; readonly by: string }
  | { readonly kind: 'withdrawn'; readonly approval: ApprovalRequest };

/**
 * Approve and Reject, decided here: the decider must be allowed to `approve` the key, the requester can never
 * approve their own request (they may withdraw it), and the first decision is the only one. An approved change
 * runs through the pipeline as the requester's, with the approver recorded.
 */
export class ApprovalDecisions {
  constructor(
    private readonly approvals: Approvals,
    private readonly policy: AccessPolicy,
    private readonly audit: AuditLog,
    private readonly change: (request: ChangeRequest, options?: RunOptions) => Promise<Outcome>,
  ) {}

  /**
   * `options.rateCounted`: the change was already counted against the requester's rate limit as part of a
   * whole (the keys of a bulk request, counted when it was confirmed).
   */
  async approve(request: DecisionRequest, options: RunOptions = {}): Promise<DecisionOutcome> {
    const open = await this.approvals.get(request.approvalId);
    if (!open) return { kind: 'gone' };
    const record = this.recorder(request, open);
    if (open.requesterId === request.actorId) {
      record('denied', 'own_request');
      return { kind: 'own_request' };
    }
    const allowed = await this.mayDecide(request, open);
    if (allowed) return allowed;
    const decision = await this.approvals.decide(open.id, request.actorId);
    if (decision.kind !== 'decided')
      return decision.kind === 'gone' ? { kind: 'gone' } : { kind: 'own_request' };
    const approval = decision.request;
    record('done', undefined, {}, { approved: approval.change.action, requester: approval.requesterId });
    const outcome = await this.change(
      {
        requestId: request.requestId,
        actorId: approval.requesterId,
        ...(approval.requesterTeam !== undefined ? { foreignTeam: approval.requesterTeam } : {}),
        target: approval.change.target,
        channelId: approval.channelId,
        source: 'approval',
        change: changeOf(approval.change),
        approvedBy: request.actorId,
      },
      options,
    );
    if (outcome.kind === 'refused' && outcome.refusal.code === 'rate_limited') {
      // Not the approver's doing: the request stays open for another click once the limit allows.
      if (await this.approvals.reopen(approval))
        return {
          kind: 'postponed',
          approval,
          by: request.actorId,
          retryAfterMs: outcome.refusal.retryAfterMs,
        };
    }
    return { kind: 'approved', approval, by: request.actorId, outcome };
  }

  /** Reject: anyone allowed to approve, or the requester withdrawing; nothing changes. */
  async reject(request: DecisionRequest): Promise<DecisionOutcome> {
    const open = await this.approvals.get(request.approvalId);
    if (!open) return { kind: 'gone' };
    const record = this.recorder(request, open);
    // The requester withdrawing: the same user ID of the same workspace (IDs are unique within one only).
    if (open.requesterId === request.actorId && open.requesterTeam === request.foreignTeam) {
      const withdrawn = await this.approvals.withdraw(open.id, request.actorId);
      if (!withdrawn) return { kind: 'gone' };
      record('denied', 'withdrawn');
      return { kind: 'withdrawn', approval: withdrawn };
    }
    const allowed = await this.mayDecide(request, open);
    if (allowed) return allowed;
    const decision = await this.approvals.decide(open.id, request.actorId);
    if (decision.kind !== 'decided') return { kind: 'gone' };
    record('denied', 'rejected', {}, { requester: open.requesterId });
    return { kind: 'rejected', approval: decision.request, by: request.actorId };
  }

  /** Undefined when the decider may approve this key; else the refusal (audited). */
  private async mayDecide(
    request: DecisionRequest,
    open: ApprovalRequest,
  ): Promise<DecisionOutcome | undefined> {
    const target = open.change.target;
    const auth = await authorizeAll(this.policy, actorOf(request), ['approve'], target, request.channelId);
    if (auth.kind === 'allowed') return undefined;
    const { reason, details } = refusalDetails(auth.refusal, 'approve');
    this.recorder(request, open)('denied', reason, {}, details);
    return { kind: 'refused', target, refusal: auth.refusal };
  }

  private recorder(request: DecisionRequest, open: ApprovalRequest) {
    return auditRecorder(
      this.audit,
      {
        actor: request.actorId,
        action: 'approve',
        key: open.change.target.key,
        environment: open.change.target.environment,
        channel: request.channelId,
        source: request.source,
        requestId: request.requestId,
      },
      { approval: open.id },
    );
  }
}
