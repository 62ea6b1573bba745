import { isGroupId } from '../access/subjects.js';
import type {
  AccessDecision,
  AccessRequest,
  Actor,
  ApprovalNeed,
  FlowAction,
  Grant,
  GroupDirectory,
  MissingGroupReason,
  NearMiss,
  NotGrantedScope,
  ScopeMiss,
} from '../access/types.js';
import { UserGroupNotFound } from '../access/types.js';
import { parseDurationSeconds } from '../durations.js';
import { matchesGlob } from '../glob.js';
import type { ApprovalRule, PolicyDocument, PolicyRule } from './policy-schema.js';
import { ruleWarnings } from './policy-warnings.js';

export const DEFAULT_APPROVAL_EXPIRY_MS = 30 * 60_000;

export type PolicyDecision = AccessDecision;

/** grantsFor's answer; `index` of a missing group's rule is in this engine's (combined) document. */
export interface EngineGrants {
  readonly grants: Grant[];
  readonly uncertain: boolean;
  readonly missingGroupRules: readonly { group: string; reason: MissingGroupReason; index: number }[];
}

/**
 * Who may do what. Deny by default; an explicit deny wins over any allow. Subjects are Slack user and
 * user-group IDs, matched by ID only. Group lookups happen only for rules that could apply to the request.
 */
export class PolicyEngine {
  /**
   * `environments`: the configured QStash environment names, when known; `grantsFor` then also reports
   * environment patterns of the asker's rules that match none of them.
   */
  constructor(
    private readonly document: PolicyDocument,
    private readonly directory: GroupDirectory,
    private readonly environments?: readonly string[],
  ) {}

  static fromAllowlist(subjects: readonly string[], directory: GroupDirectory): PolicyEngine {
    return new PolicyEngine(PolicyEngine.allowlistDocument(subjects), directory);
  }

  /** `FLOW_ALLOWED_USERS` is the simple form: every action on every key in every environment. */
  static allowlistDocument(subjects: readonly string[]): PolicyDocument {
    return {
      version: 1,
      rules:
        subjects.length > 0
          ? [
              {
                name: 'FLOW_ALLOWED_USERS',
                effect: 'allow',
                subjects: [...subjects],
                actions: ['*'],
                keys: ['*'],
                environments: ['*'],
              },
            ]
          : [],
      approvals: [],
    };
  }

  /** The allowlist (if any) and a policy file together. */
  static combine(documents: readonly PolicyDocument[]): PolicyDocument {
    // The strictest global bulk limit of the documents holds.
    const limits = documents.flatMap((document) =>
      document.bulk?.maxKeys !== undefined ? [document.bulk.maxKeys] : [],
    );
    return {
      version: 1,
      rules: documents.flatMap((document) => document.rules),
      approvals: documents.flatMap((document) => document.approvals),
      ...(limits.length > 0 ? { bulk: { maxKeys: Math.min(...limits) } } : {}),
    };
  }

  /** The policy's global limit on the keys of one bulk request, when it sets one. */
  bulkMaxKeys(): number | undefined {
    return this.document.bulk?.maxKeys;
  }

  get ruleCount(): number {
    return this.document.rules.length;
  }

  async decide(request: AccessRequest): Promise<PolicyDecision> {
    // Rules that would apply from some channel: their membership also tells "limited to other channels".
    const candidates = this.document.rules.filter((rule) =>
      ruleCovers({ ...rule, channels: undefined }, request),
    );
    const applicable = candidates.filter((rule) => ruleCovers(rule, request));
    const membership = await this.membership(request.actor.userId, candidates);
    const named = await this.namesUser(request.actor.userId, candidates, membership);
    const mine = applicable.filter((rule) => membership.matches(rule));
    if (mine.some((rule) => rule.effect === 'deny')) return notGranted(request, 'deny_rule');
    // A deny rule we could not check might apply: refusing is the only safe answer.
    if (applicable.some((rule) => rule.effect === 'deny' && membership.unknown(rule))) return unavailable();
    const allow = mine.find((rule) => rule.effect === 'allow');
    const team = request.actor.foreignTeam;
    if (!allow && team !== undefined && !this.namesTeam(team)) return otherTeam(team);
    if (!allow) {
      if (applicable.some((rule) => rule.effect === 'allow' && membership.unknown(rule)))
        return unavailable();
      const channelOnly = candidates.some(
        (rule) => rule.effect === 'allow' && rule.channels !== undefined && membership.matches(rule),
      );
      if (channelOnly) return notGranted(request, 'other_channels');
      if (!named) return notGranted(request, 'not_listed');
      return notGranted(request, 'not_covered', await this.nearestMiss(request));
    }
    const approval = this.approvalFor(request);
    return {
      kind: 'allowed',
      grantedBy: allow.name ?? 'policy rule',
      ...(approval ? { approval } : {}),
    };
  }

  /** Does any allow rule name this other workspace or org? */
  namesTeam(team: string): boolean {
    return this.document.rules.some((rule) => rule.effect === 'allow' && rule.teams?.includes(team));
  }

  /**
   * What a person may do: the rules naming them, directly or through a group they are in (for a person of
   * another workspace, only the deny rules and the allow rules naming their team).
   */
  async grantsFor(userId: string, foreignTeam?: string): Promise<EngineGrants> {
    const actor: Actor = { userId, ...(foreignTeam !== undefined ? { foreignTeam } : {}) };
    const membership = await this.membership(userId, this.document.rules, true);
    // Groups that don't exist, in the rules this person may see: their own, or all of them for someone the
    // policy grants everything everywhere (FLOW_ALLOWED_USERS: whoever runs Flowbot, who can fix the file).
    const admin = this.document.rules.some(
      (rule) =>
        rule.effect === 'allow' &&
        grantsEverything(rule) &&
        membership.matches(rule) &&
        teamAdmits(rule, actor),
    );
    const missingGroupRules = this.document.rules.flatMap((rule, index) =>
      admin || (membership.matches(rule) && teamAdmits(rule, actor))
        ? rule.subjects.flatMap((subject) => {
            const reason = membership.missing.get(subject);
            return reason === undefined ? [] : [{ group: subject, reason, index }];
          })
        : [],
    );
    const grants = this.document.rules
      .map((rule, index) => ({ rule, index }))
      .filter(({ rule }) => membership.matches(rule) && teamAdmits(rule, actor))
      .map(({ rule, index }) => {
        const warnings = ruleWarnings(rule, this.environments);
        return {
          rule: rule.name ?? `rule ${index + 1}`,
          effect: rule.effect,
          actions: rule.actions,
          keys: rule.keys,
          environments: rule.environments,
          channels: rule.channels,
          ...(rule.teams ? { teams: rule.teams } : {}),
          ...(warnings.length > 0 ? { warnings } : {}),
          ...(rule.maxKeys !== undefined ? { maxKeys: rule.maxKeys } : {}),
        };
      });
    return {
      grants,
      uncertain: this.document.rules.some((rule) => membership.unknown(rule)),
      missingGroupRules,
    };
  }

  /**
   * Every user group the rules name that the directory says does not exist, with the index of each rule
   * naming it (in this engine's combined document). One lookup per group, in turn (Slack's tier 2 limit);
   * `unchecked`: the groups that could not be looked up (DirectoryUnavailable).
   */
  async missingGroups(): Promise<{
    missing: { group: string; reason: MissingGroupReason; index: number }[];
    unchecked: string[];
  }> {
    const groups = [...new Set(this.document.rules.flatMap((rule) => rule.subjects.filter(isGroupId)))];
    const reasons = new Map<string, MissingGroupReason>();
    const unchecked: string[] = [];
    for (const group of groups) {
      try {
        if (this.directory.check) await this.directory.check(group);
        else await this.directory.members(group);
      } catch (error) {
        if (error instanceof UserGroupNotFound) reasons.set(group, error.reason);
        else unchecked.push(group);
      }
    }
    const missing = this.document.rules.flatMap((rule, index) =>
      rule.subjects.flatMap((subject) => {
        const reason = reasons.get(subject);
        return reason === undefined ? [] : [{ group: subject, reason, index }];
      }),
    );
    return { missing, unchecked };
  }

  approvalFor(request: Pick<AccessRequest, 'action' | 'environment' | 'key'>): ApprovalNeed | undefined {
    const rule = this.document.approvals.find((candidate) => approvalCovers(candidate, request));
    if (!rule) return undefined;
    const seconds = rule.expires ? parseDurationSeconds(rule.expires) : undefined;
    return {
      rule: rule.name ?? 'approval rule',
      expiresMs: seconds ? seconds * 1000 : DEFAULT_APPROVAL_EXPIRY_MS,
    };
  }

  /**
   * The allow rule naming this person that grants the action but whose scope misses the request on the
   * fewest counts (environment, key, channel), to say why a refusal is one; undefined when there is none.
   */
  private async nearestMiss(request: AccessRequest): Promise<NearMiss | undefined> {
    const granting = this.document.rules
      .map((rule, index) => ({ rule, index }))
      .filter(
        ({ rule }) =>
          rule.effect === 'allow' &&
          teamAdmits(rule, request.actor) &&
          actionCovered(rule.actions, request.action),
      );
    const membership = await this.membership(
      request.actor.userId,
      granting.map(({ rule }) => rule),
      true,
    );
    let nearest: NearMiss | undefined;
    for (const { rule, index } of granting) {
      if (!membership.matches(rule)) continue;
      const misses: ScopeMiss[] = [];
      if (!covers(rule.environments, request.environment)) {
        const unconfigured =
          this.environments !== undefined &&
          !this.environments.some((name) => covers(rule.environments, name));
        misses.push({
          scope: 'environment',
          patterns: rule.environments,
          ...(unconfigured && this.environments ? { configured: this.environments } : {}),
        });
      }
      if (request.key !== undefined && !covers(rule.keys, request.key))
        misses.push({ scope: 'key', patterns: rule.keys });
      if (
        rule.channels !== undefined &&
        (request.channelId === undefined || !rule.channels.includes(request.channelId))
      )
        misses.push({ scope: 'channel', channels: rule.channels });
      if (misses.length > 0 && (nearest === undefined || misses.length < nearest.misses.length))
        nearest = { rule: rule.name ?? `rule ${index + 1}`, misses };
    }
    return nearest;
  }

  /** Does any rule at all name this person? Only then is "your access doesn't cover it" the right words. */
  private async namesUser(
    userId: string,
    applicable: readonly PolicyRule[],
    membership: { matches: (rule: PolicyRule) => boolean },
  ): Promise<boolean> {
    if (applicable.some((rule) => membership.matches(rule))) return true;
    const others = this.document.rules.filter((rule) => !applicable.includes(rule));
    const more = await this.membership(userId, others);
    return others.some((rule) => more.matches(rule));
  }

  /**
   * Which rules name this person. Direct mentions need no Slack call; a group is looked up only when its
   * answer could change the decision (any deny rule, or allow rules when no direct allow exists), and once.
   */
  private async membership(userId: string, rules: readonly PolicyRule[], complete = false) {
    const direct = (rule: PolicyRule) => rule.subjects.includes(userId);
    const directAllow = !complete && rules.some((rule) => rule.effect === 'allow' && direct(rule));
    const groups = new Set(
      rules
        .filter((rule) => complete || (!direct(rule) && (rule.effect === 'deny' || !directAllow)))
        .flatMap((rule) => rule.subjects.filter(isGroupId)),
    );
    const memberOf = new Set<string>();
    const failed = new Set<string>();
    // A group Slack says doesn't exist has no members: a rule naming it can't apply to anyone through it.
    const missing = new Map<string, MissingGroupReason>();
    await Promise.all(
      [...groups].map(async (group) => {
        try {
          if ((await this.directory.members(group)).has(userId)) memberOf.add(group);
        } catch (error) {
          if (error instanceof UserGroupNotFound) missing.set(group, error.reason);
          else failed.add(group);
        }
      }),
    );
    const matches = (rule: PolicyRule) =>
      direct(rule) || rule.subjects.some((subject) => memberOf.has(subject));
    return {
      matches,
      unknown: (rule: PolicyRule) => !matches(rule) && rule.subjects.some((subject) => failed.has(subject)),
      missing,
    };
  }
}

/** Every action on every key in every environment, from any channel: what FLOW_ALLOWED_USERS grants. */
function grantsEverything(rule: PolicyRule): boolean {
  return (
    rule.actions.includes('*') &&
    rule.keys.includes('*') &&
    rule.environments.includes('*') &&
    rule.channels === undefined
  );
}

function covers(patterns: readonly string[], value: string | undefined): boolean {
  if (value === undefined) return true;
  return patterns.some((pattern) => pattern === '*' || matchesGlob(value, pattern));
}

function actionCovered(actions: readonly string[], action: FlowAction): boolean {
  return actions.includes('*') || actions.includes(action);
}

/** An allow rule covers a person of another workspace only when it names their team; deny rules cover all. */
function teamAdmits(rule: PolicyRule, actor: Actor): boolean {
  const team = actor.foreignTeam;
  return team === undefined || rule.effect === 'deny' || (rule.teams?.includes(team) ?? false);
}

function ruleCovers(rule: PolicyRule, request: AccessRequest): boolean {
  if (!teamAdmits(rule, request.actor)) return false;
  if (!actionCovered(rule.actions, request.action)) return false;
  if (!covers(rule.environments, request.environment)) return false;
  // A request for no particular key (list) is covered by any key pattern: the list is filtered, not refused.
  if (request.key !== undefined && !covers(rule.keys, request.key)) return false;
  if (
    rule.channels !== undefined &&
    (request.channelId === undefined || !rule.channels.includes(request.channelId))
  ) {
    return false;
  }
  return true;
}

function approvalCovers(
  rule: ApprovalRule,
  request: Pick<AccessRequest, 'action' | 'environment' | 'key'>,
): boolean {
  return (
    (rule.actions as readonly string[]).includes(request.action) &&
    covers(rule.environments, request.environment) &&
    request.key !== undefined &&
    covers(rule.keys, request.key)
  );
}

function notGranted(request: AccessRequest, scope: NotGrantedScope, nearest?: NearMiss): PolicyDecision {
  return {
    kind: 'refused',
    refusal: {
      code: 'not_granted',
      action: request.action,
      scope,
      onKey: request.key !== undefined,
      ...(nearest ? { nearest } : {}),
    },
  };
}

function otherTeam(team: string): PolicyDecision {
  return { kind: 'refused', refusal: { code: 'other_team', team } };
}

function unavailable(): PolicyDecision {
  return { kind: 'refused', refusal: { code: 'directory_unavailable' } };
}
