import type { AccessPolicy, AccessRefusal, Actor, ApprovalNeed, FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';

export type Authorization =
  | {
      readonly kind: 'allowed';
      /** The rule that grants the first action (the one asked for). */
      readonly grantedBy: string;
      /** The first approval rule any of the actions needs: one approval covers them all. */
      readonly approval: ApprovalNeed | undefined;
    }
  | { readonly kind: 'refused'; readonly refusal: AccessRefusal };

/**
 * Is this person allowed every one of these actions on the key, from this channel? The first action refused
 * decides the answer (its refusal names that action); an approval rule for any of them covers the whole.
 */
/** The person a request is from, as the policy knows them: their user ID and, if not Flowbot's, their team. */
export function actorOf(request: {
  readonly actorId: string;
  readonly foreignTeam?: string | undefined;
}): Actor {
  return {
    userId: request.actorId,
    ...(request.foreignTeam !== undefined ? { foreignTeam: request.foreignTeam } : {}),
  };
}

export async function authorizeAll(
  policy: AccessPolicy,
  actor: Actor,
  actions: readonly FlowAction[],
  target: KeyRef | { readonly environment: string; readonly key: undefined },
  channelId: string | undefined,
): Promise<Authorization> {
  let approval: ApprovalNeed | undefined;
  let grantedBy: string | undefined;
  for (const action of actions) {
    const decision = await policy.authorize({
      actor,
      action,
      environment: target.environment,
      key: target.key,
      channelId,
    });
    if (decision.kind === 'refused') return decision;
    approval ??= decision.approval;
    grantedBy ??= decision.grantedBy;
  }
  return { kind: 'allowed', grantedBy: grantedBy ?? 'policy', approval };
}

/** The audit event's words for a refusal: its code, and the action refused when it is not the one asked for. */
export function refusalDetails(
  refusal: AccessRefusal,
  asked: string,
): { reason: string; details: Record<string, unknown> } {
  if (refusal.code === 'not_granted')
    return {
      reason: refusal.code,
      details: {
        scope: refusal.scope,
        ...(refusal.action !== asked ? { deniedAction: refusal.action } : {}),
      },
    };
  if (refusal.code === 'other_team') return { reason: refusal.code, details: { team: refusal.team } };
  return { reason: refusal.code, details: {} };
}
