import { type KeyProblem, type KeyRef, parseKeyRef } from '../keys.js';
import { type EnvironmentNames, MAX_TIMED_PAUSE_SECONDS } from './flow-command.js';

/** Flowbot's Workflow Builder steps: `resume_flow_key`, `pause_flow_key` and `get_flow_key`. */
export type StepKind = 'resume' | 'pause' | 'get';

export interface StepInputs {
  /** The person running the workflow: the step acts as them. */
  readonly userId: string;
  readonly target: KeyRef;
  readonly reason?: string;
  /** A timed pause: resume after this many minutes. */
  readonly minutes?: number;
}

/** Why a step's inputs can't be used; the adapter puts it in words. */
export type StepInputProblem =
  | { readonly code: 'no_user' }
  | { readonly code: 'no_key' }
  | { readonly code: 'key'; readonly problem: KeyProblem }
  | { readonly code: 'no_reason' }
  | { readonly code: 'reason_too_long'; readonly max: number }
  | { readonly code: 'reason_control_characters' }
  | { readonly code: 'bad_minutes'; readonly max: number };

export type StepInputsParse =
  | { readonly kind: 'ok'; readonly inputs: StepInputs }
  | { readonly kind: 'invalid'; readonly problem: StepInputProblem; readonly actorId: string | undefined };

const MAX_REASON_LENGTH = 500;
const MAX_MINUTES = MAX_TIMED_PAUSE_SECONDS / 60;
const USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/**
 * A step's inputs as Workflow Builder sends them (untrusted). `user` is a `slack#/types/user_context`
 * (`{id, secret}`): Workflow Builder fills it with the person who ran the workflow and lets no builder type one
 * in, so a workflow can't act as someone else. Anything else (a plain user ID included) is refused.
 * `actorId` of an invalid parse is the user's id when it could be read (for the audit trail).
 */
export function parseStepInputs(
  kind: StepKind,
  inputs: unknown,
  environments: EnvironmentNames,
): StepInputsParse {
  const values = inputs && typeof inputs === 'object' ? (inputs as Record<string, unknown>) : {};
  const user = values.user;
  const userId =
    user && typeof user === 'object' && typeof (user as { id?: unknown }).id === 'string'
      ? (user as { id: string }).id
      : undefined;
  if (userId === undefined || !USER_ID.test(userId))
    return { kind: 'invalid', problem: { code: 'no_user' }, actorId: undefined };
  const invalid = (problem: StepInputProblem): StepInputsParse => ({
    kind: 'invalid',
    problem,
    actorId: userId,
  });
  if (typeof values.key !== 'string' || values.key.trim() === '') return invalid({ code: 'no_key' });
  const parsed = parseKeyRef(values.key, environments.names, environments.defaultName);
  if (parsed.kind !== 'ok') return invalid({ code: 'key', problem: parsed.problem });
  if (kind !== 'pause') return { kind: 'ok', inputs: { userId, target: parsed.ref } };

  const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
  if (reason === '') return invalid({ code: 'no_reason' });
  if (reason.length > MAX_REASON_LENGTH) return invalid({ code: 'reason_too_long', max: MAX_REASON_LENGTH });
  if (/\p{Cc}/u.test(reason.replace(/[\t\n]/g, ' '))) return invalid({ code: 'reason_control_characters' });
  const minutes = values.minutes;
  if (minutes === undefined || minutes === null || minutes === '')
    return { kind: 'ok', inputs: { userId, target: parsed.ref, reason } };
  const count = typeof minutes === 'string' && /^\d{1,6}$/.test(minutes.trim()) ? Number(minutes) : minutes;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_MINUTES)
    return invalid({ code: 'bad_minutes', max: MAX_MINUTES });
  return { kind: 'ok', inputs: { userId, target: parsed.ref, reason, minutes: count } };
}
