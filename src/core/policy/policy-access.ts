import type {
  AccessDecision,
  AccessPolicy,
  AccessRequest,
  GrantsOf,
  GroupDirectory,
  MissingGroup,
  MissingGroupReason,
} from '../access/types.js';
import { loadPolicyFile } from './load-policy.js';
import { PolicyEngine } from './policy-engine.js';
import type { PolicyDocument } from './policy-schema.js';
import { type PolicyWarning, policyWarnings } from './policy-warnings.js';

export interface PolicySources {
  /** `FLOW_ALLOWED_USERS`: every action for these subjects. */
  readonly allowlist: readonly string[];
  /** `FLOW_POLICY_FILE`: finer rules, reloadable. */
  readonly file: string | undefined;
  /** The configured QStash environment names: rules naming none of them are warned about. */
  readonly environments?: readonly string[];
}

type Invalid = { readonly kind: 'invalid'; readonly problems: string[] };

export type ReloadResult =
  | { readonly kind: 'reloaded'; readonly rules: number }
  | { readonly kind: 'invalid'; readonly problems: string[] };

/**
 * The access policy in force. Reloading swaps it whole, and only when the new file is valid: a bad edit
 * keeps the previous policy working rather than locking everyone out (or letting everyone in).
 */
export class PolicyAccess implements AccessPolicy {
  private engine: PolicyEngine;
  private fileWarnings: readonly PolicyWarning[];
  private fileRules: readonly { readonly name?: string | undefined }[];

  private constructor(
    private readonly sources: PolicySources,
    private readonly directory: GroupDirectory,
    built: Built,
  ) {
    this.engine = built.engine;
    this.fileWarnings = built.warnings;
    this.fileRules = built.fileRules;
  }

  /** Builds the first policy; problems here stop startup. */
  static create(
    sources: PolicySources,
    directory: GroupDirectory,
  ): { readonly kind: 'ok'; readonly access: PolicyAccess } | Invalid {
    const built = PolicyAccess.build(sources, directory);
    if (built.kind === 'invalid') return built;
    return { kind: 'ok', access: new PolicyAccess(sources, directory, built) };
  }

  get current(): PolicyEngine {
    return this.engine;
  }

  /**
   * What in the policy file in force can never match (rules and approvals naming environments that aren't
   * configured, key patterns no key can match): valid, but silently doing nothing. Empty without a file.
   */
  get warnings(): readonly PolicyWarning[] {
    return this.fileWarnings;
  }

  get reloadable(): boolean {
    return this.sources.file !== undefined;
  }

  authorize(request: AccessRequest): Promise<AccessDecision> {
    return this.engine.decide(request);
  }

  async grantsFor(userId: string, foreignTeam?: string): Promise<GrantsOf> {
    // A reload while Slack answers must not mix one policy's rule indexes with another's file.
    const locate = this.locator();
    const { grants, uncertain, missingGroupRules } = await locate.engine.grantsFor(userId, foreignTeam);
    return { grants, uncertain, missingGroups: missingGroupRules.map(locate.at) };
  }

  /**
   * The user groups the policy in force names that Slack says don't exist (each with the rule naming it),
   * and those that could not be checked: for the warnings at startup and after a reload, once Slack answers.
   */
  async checkGroups(): Promise<{ missing: MissingGroup[]; unchecked: string[] }> {
    const locate = this.locator();
    const { missing, unchecked } = await locate.engine.missingGroups();
    return { missing: missing.map(locate.at), unchecked };
  }

  /**
   * The policy in force now, and how to find one of its combined document's rules as the admin does: in the
   * file (`rules[i]`), or FLOW_ALLOWED_USERS (undefined).
   */
  private locator(): {
    engine: PolicyEngine;
    at: (found: { group: string; reason: MissingGroupReason; index: number }) => MissingGroup;
  } {
    const { engine, fileRules } = this;
    // The allowlist, when set, is the combined document's first rule; the file's rules follow.
    const offset = engine.ruleCount - fileRules.length;
    return {
      engine,
      at: (found) => {
        const index = found.index - offset;
        return {
          group: found.group,
          reason: found.reason,
          rule: index < 0 ? undefined : { list: 'rules', index, name: fileRules[index]?.name },
        };
      },
    };
  }

  namesTeam(team: string): boolean {
    return this.engine.namesTeam(team);
  }

  bulkMaxKeys(): number | undefined {
    return this.engine.bulkMaxKeys();
  }

  reload(): ReloadResult {
    const built = PolicyAccess.build(this.sources, this.directory);
    if (built.kind === 'invalid') return built;
    this.engine = built.engine;
    this.fileWarnings = built.warnings;
    this.fileRules = built.fileRules;
    return { kind: 'reloaded', rules: built.engine.ruleCount };
  }

  private static build(sources: PolicySources, directory: GroupDirectory): Built | Invalid {
    const documents = [PolicyEngine.allowlistDocument(sources.allowlist)];
    let warnings: PolicyWarning[] = [];
    let fileRules: PolicyDocument['rules'] = [];
    if (sources.file !== undefined) {
      const loaded = loadPolicyFile(sources.file);
      if (loaded.kind === 'invalid')
        return { kind: 'invalid', problems: loaded.problems.map((problem) => `${sources.file}: ${problem}`) };
      documents.push(loaded.policy);
      fileRules = loaded.policy.rules;
      warnings = policyWarnings(loaded.policy, sources.environments);
    }
    return {
      kind: 'ok',
      engine: new PolicyEngine(PolicyEngine.combine(documents), directory, sources.environments),
      warnings,
      fileRules,
    };
  }
}

interface Built {
  readonly kind: 'ok';
  readonly engine: PolicyEngine;
  readonly warnings: readonly PolicyWarning[];
  readonly fileRules: readonly { readonly name?: string | undefined }[];
}
