import { type EnvironmentNames, MAX_TIMED_PAUSE_SECONDS } from '../../../core/commands/flow-command.js';
import { type KeyRef, parseKeyRef } from '../../../core/keys.js';

export type StepKind = 'resume' | 'pause' | 'get';

export interface StepInputs {
  /** The person running the workflow: the step acts as them. */
  readonly userId: string;
  readonly target: KeyRef;
  readonly reason?: string;
  /** A timed pause: resume after this many minutes. */
  readonly minutes?: number;
}

export type StepInputsParse =
  | { readonly ok: true; readonly inputs: StepInputs }
  | { readonly ok: false; readonly problem: string };

const MAX_REASON_LENGTH = 500;
const MAX_MINUTES = MAX_TIMED_PAUSE_SECONDS / 60;

/**
 * A step's inputs as Workflow Builder sends them. `user` is a `slack#/types/user_context` (`{id, secret}`):
 * Workflow Builder fills it with the person who ran the workflow and lets no builder type one in, so a
 * workflow can't act as someone else. Anything else (a plain user ID included) is refused.
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
  if (userId === undefined || !/^[UW][A-Z0-9]{2,30}$/.test(userId))
    return {
      ok: false,
      problem: 'user must be the person who runs the workflow (“Person who used this workflow”).',
    };
  if (typeof values.key !== 'string' || values.key.trim() === '')
    return { ok: false, problem: 'key must name a flow-control key.' };
  const parsed = parseKeyRef(values.key, environments.names, environments.defaultName);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  if (kind !== 'pause') return { ok: true, inputs: { userId, target: parsed.ref } };

  const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
  if (reason === '') return { ok: false, problem: 'reason must say why the key is paused.' };
  if (reason.length > MAX_REASON_LENGTH)
    return { ok: false, problem: `reason must be at most ${MAX_REASON_LENGTH} characters.` };
  if (/\p{Cc}/u.test(reason.replace(/[\t\n]/g, ' ')))
    return { ok: false, problem: 'reason contains control characters.' };
  const minutes = values.minutes;
  if (minutes === undefined || minutes === null || minutes === '')
    return { ok: true, inputs: { userId, target: parsed.ref, reason } };
  const count = typeof minutes === 'string' && /^\d{1,6}$/.test(minutes.trim()) ? Number(minutes) : minutes;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_MINUTES)
    return {
      ok: false,
      problem: `minutes must be a whole number from 1 to ${MAX_MINUTES.toLocaleString('en-US')}.`,
    };
  return { ok: true, inputs: { userId, target: parsed.ref, reason, minutes: count } };
}
