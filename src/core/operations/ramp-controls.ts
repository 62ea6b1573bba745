import type { AccessPolicy, FlowAction } from '../access/types.js';
import { type AuditLog, auditRecorder } from '../audit.js';
import type { KeyRef } from '../keys.js';
import { type Ramp, type RampControl, restoreActions } from '../ramp/ramp-record.js';
import type { RampControlResult, Ramps } from '../ramp/ramps.js';
import { actorOf, authorizeAll, refusalDetails } from './authorize.js';
import type { Source } from './change.js';
import type { Refusal } from './refusal.js';

/** A click on a ramp's progress message. */
export interface RampControlRequest {
  readonly requestId: string;
  readonly actorId: string;
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly source: Source;
  readonly rampId: string;
  readonly control: RampControl;
}

export type RampControlOutcome =
  | RampControlResult
  | { readonly kind: 'refused'; readonly target: KeyRef; readonly refusal: Refusal };

/**
 * What each control takes: Pause ramp and Continue are ramp decisions; Finish now restores the key's pinning
 * (pin, and unpin when it was not pinned); Abort pauses the key as well.
 */
export function controlActions(control: RampControl, ramp: Ramp): FlowAction[] {
  switch (control) {
    case 'hold':
    case 'proceed':
      return ['ramp'];
    case 'finish':
      return ['ramp', ...restoreActions(ramp)];
    case 'abort':
      return ['ramp', 'pause', ...restoreActions(ramp)];
  }
}

/**
 * Authorizes the clicker for every action the control takes, then applies it. Approval rules can't be met
 * from a button here: such a control is refused, and the command (which asks for approval) is the way.
 */
export async function controlRamp(
  parts: { readonly ramps: Ramps; readonly policy: AccessPolicy; readonly audit: AuditLog },
  request: RampControlRequest,
): Promise<RampControlOutcome> {
  const ramp = await parts.ramps.get(request.rampId);
  if (!ramp) return { kind: 'gone' };
  const record = auditRecorder(
    parts.audit,
    {
      actor: request.actorId,
      action: 'ramp',
      key: ramp.target.key,
      environment: ramp.target.environment,
      channel: request.channelId,
      source: request.source,
      requestId: request.requestId,
    },
    { control: request.control },
  );
  const auth = await authorizeAll(
    parts.policy,
    actorOf(request),
    controlActions(request.control, ramp),
    ramp.target,
    request.channelId,
  );
  const refused = (refusal: Refusal, reason: string, details: Record<string, unknown> = {}) => {
    record('denied', reason, {}, details);
    return { kind: 'refused' as const, target: ramp.target, refusal };
  };
  if (auth.kind === 'refused') {
    const { reason, details } = refusalDetails(auth.refusal, 'ramp');
    return refused(auth.refusal, reason, details);
  }
  if (auth.approval)
    return refused({ code: 'approval_required', rule: auth.approval.rule }, 'approval_required');
  const result = await apply(parts.ramps, ramp, request);
  record(result.kind === 'done' ? 'done' : 'failed', result.kind === 'done' ? undefined : result.kind);
  return result;
}

function apply(ramps: Ramps, ramp: Ramp, request: RampControlRequest): Promise<RampControlResult> {
  switch (request.control) {
    case 'hold':
      return ramps.hold(ramp.id, request.actorId);
    case 'proceed':
      return ramps.proceed(ramp.id, request.actorId);
    case 'finish':
      return ramps.finish(ramp.id, request.actorId);
    case 'abort':
      // Abort is a pause: the clicker's own change, through the pipeline like any other.
      return ramps.abort(ramp.id, request.actorId, {
        requestId: request.requestId,
        actorId: request.actorId,
        target: ramp.target,
        channelId: request.channelId,
        source: request.source,
        change: { action: 'pause' },
      });
  }
}
