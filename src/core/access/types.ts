import type { PatternWarning, PolicyWarning } from '../policy/policy-warnings.js';

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
  /** Acting on every key a pattern matches (granted in addition to the change itself). */
  'bulk',
] as const;

export type FlowAction = (typeof FLOW_ACTIONS)[number];

export function isFlowAction(value: string): value is FlowAction {
  return (FLOW_ACTIONS as readonly string[]).includes(value);
}

/**
 * Only the immutable Slack user ID identifies a person; display names can be changed by anyone. A user ID is
 * unique within one workspace (or Enterprise Grid org) only, so a person from another one (a Slack Connect
 * guest, a foreign workspace) is marked with their team: only rules that name that team apply to them.
 */
export interface Actor {
  readonly userId: string;
  /** The person's own team (`T…`) or org (`E…`), when it is not the one Flowbot is installed in. */
  readonly foreignTeam?: string;
}

export interface AccessRequest {
  readonly actor: Actor;
  readonly action: FlowAction;
  readonly environment: string;
  /** Absent for actions on no particular key (list). */
  readonly key: string | undefined;
  readonly channelId: string | undefined;
}

/** Why the policy does not grant an action: the rule's effect, never who else has access. */
export type NotGrantedScope =
  /** A deny rule covers it. */
  | 'deny_rule'
  /** An allow rule would cover it, but only from other channels. */
  | 'other_channels'
  /** No rule names this person at all. */
  | 'not_listed'
  /** Rules name this person, but none covers this action, key and environment. */
  | 'not_covered';

/** Where an allow rule's scope leaves out a request (see NearMiss). */
export type ScopeMiss =
  | {
      readonly scope: 'environment';
      readonly patterns: readonly string[];
      /** The configured environments, when none of them matches the patterns (the rule never applies). */
      readonly configured?: readonly string[];
    }
  | { readonly scope: 'key'; readonly patterns: readonly string[] }
  | { readonly scope: 'channel'; readonly channels: readonly string[] };

/**
 * The allow rule that names the person and grants the action, but whose environments, keys or channels leave
 * this request out: the one missing it on the fewest counts (the first in the file on a tie).
 */
export interface NearMiss {
  readonly rule: string;
  readonly misses: readonly ScopeMiss[];
}

export type AccessRefusal =
  | {
      readonly code: 'not_granted';
      readonly action: FlowAction;
      readonly scope: NotGrantedScope;
      /** Whether the action was asked for one key (rather than a whole environment, as list is). */
      readonly onKey: boolean;
      /** With `not_covered`: the rule that would have allowed it, and why it doesn't apply here. */
      readonly nearest?: NearMiss;
    }
  /** A user group that could decide it could not be read (Slack did not answer): refused, never guessed. */
  | { readonly code: 'directory_unavailable' }
  /**
   * The person belongs to another workspace or org than Flowbot's (`team`: theirs) and no rule names that
   * team: Flowbot acts only for its own workspace unless the policy says otherwise.
   */
  | { readonly code: 'other_team'; readonly team: string };

export interface ApprovalNeed {
  readonly rule: string;
  readonly expiresMs: number;
}

export type AccessDecision =
  | {
      readonly kind: 'allowed';
      readonly grantedBy: string;
      /** Set when a second person must approve before the action runs. */
      readonly approval?: ApprovalNeed;
    }
  | { readonly kind: 'refused'; readonly refusal: AccessRefusal };

/** One rule that names a person, as `/flow whoami` shows it. */
export interface Grant {
  readonly rule: string;
  readonly effect: 'allow' | 'deny';
  readonly actions: readonly string[];
  readonly keys: readonly string[];
  readonly environments: readonly string[];
  readonly channels: readonly string[] | undefined;
  /** Patterns of this rule that can never match (present only when there are some). */
  readonly warnings?: readonly PatternWarning[];
  /** The most keys one bulk request may change under this rule (rules granting `bulk`). */
  readonly maxKeys?: number;
  /** Other workspaces or orgs whose people the rule also covers. */
  readonly teams?: readonly string[] | undefined;
}

export interface GrantsOf {
  readonly grants: Grant[];
  readonly uncertain: boolean;
  readonly missingGroups?: readonly MissingGroup[];
}

export interface AccessPolicy {
  authorize(request: AccessRequest): Promise<AccessDecision>;
  /**
   * What a person may do: the rules naming them; `uncertain` when a user group could not be read;
   * `missingGroups`: groups that don't exist in the rules this person may see (see PolicyEngine.grantsFor).
   */
  grantsFor(userId: string, foreignTeam?: string): Promise<GrantsOf>;
  /** What in the policy in force can never match (see policy-warnings.ts); none when absent. */
  readonly warnings?: readonly PolicyWarning[];
  /** The policy's global limit on the keys of one bulk request (`bulk.maxKeys`); absent → Flowbot's default. */
  bulkMaxKeys?(): number | undefined;
  /** Whether an allow rule names this other workspace or org (`T…`/`E…`) in its `teams`. */
  namesTeam?(team: string): boolean;
}

/**
 * Who belongs to a Slack user group; implementations cache. Throws UserGroupNotFound when the directory says
 * the group does not exist (it has no members, and that is worth saying), DirectoryUnavailable when it can't
 * tell.
 */
export interface GroupDirectory {
  members(groupId: string): Promise<ReadonlySet<string>>;
  /** Whether the group exists, asked afresh (no cache read or filled); throws as members does. */
  check?(groupId: string): Promise<void>;
}

/**
 * Why a user group named in the policy has no members: Slack knows no (enabled) group by that ID
 * (`no_such_subteam`), or the workspace's plan has no user groups at all (`plan_upgrade_required`).
 */
export type MissingGroupReason = 'not_found' | 'no_user_groups';

/** The directory answered: this group does not exist, so it names nobody. Not a failure to look it up. */
export class UserGroupNotFound extends Error {
  override readonly name = 'UserGroupNotFound';
  constructor(
    readonly groupId: string,
    readonly reason: MissingGroupReason,
  ) {
    super(`User group ${groupId} does not exist (${reason})`);
  }
}

/** A user group a policy rule names that does not exist (see UserGroupNotFound). */
export interface MissingGroup {
  readonly group: string;
  readonly reason: MissingGroupReason;
  /** Where: a rule of the policy file, or undefined for FLOW_ALLOWED_USERS. */
  readonly rule:
    | { readonly list: 'rules'; readonly index: number; readonly name: string | undefined }
    | undefined;
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
