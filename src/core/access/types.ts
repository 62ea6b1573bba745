/** Everything a person can ask Flowbot to do; policies grant these by name. */
export const FLOW_ACTIONS = [
  'status',
  'list',
  'pause',
  'resume',
  'pin',
  'unpin',
  'reset-rate',
  'approve',
  'ramp',
] as const;

export type FlowAction = (typeof FLOW_ACTIONS)[number];

export function isFlowAction(value: string): value is FlowAction {
  return (FLOW_ACTIONS as readonly string[]).includes(value);
}

/** Only the immutable Slack user ID identifies a person; display names can be changed by anyone. */
export interface Actor {
  readonly userId: string;
}

export interface AccessRequest {
  readonly actor: Actor;
  readonly action: FlowAction;
  readonly environment: string;
  /** Absent for actions on no particular key (list). */
  readonly key: string | undefined;
  readonly channelId: string | undefined;
}

export type AccessDecision =
  | {
      readonly allowed: true;
      readonly grantedBy: string;
      /** Set when a second person must approve before the action runs. */
      readonly approval?: { readonly rule: string; readonly expiresMs: number };
    }
  | {
      readonly allowed: false;
      readonly reason: 'not_granted' | 'directory_unavailable';
      /** Said to the person refused; never lists who else has access. */
      readonly explanation: string;
    };

export interface AccessPolicy {
  authorize(request: AccessRequest): Promise<AccessDecision>;
}

/** Who belongs to a Slack user group; implementations cache, and throw DirectoryUnavailable when they can't tell. */
export interface GroupDirectory {
  members(groupId: string): Promise<ReadonlySet<string>>;
}

export class DirectoryUnavailable extends Error {
  override readonly name = 'DirectoryUnavailable';
  constructor(
    readonly groupId: string,
    readonly detail: string,
  ) {
    super(`Could not read the members of user group ${groupId}: ${detail}`);
  }
}
