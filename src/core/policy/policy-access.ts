import type { AccessDecision, AccessPolicy, AccessRequest, Grant, GroupDirectory } from '../access/types.js';
import { loadPolicyFile } from './load-policy.js';
import { PolicyEngine } from './policy-engine.js';
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

  private constructor(
    private readonly sources: PolicySources,
    private readonly directory: GroupDirectory,
    built: Built,
  ) {
    this.engine = built.engine;
    this.fileWarnings = built.warnings;
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

  grantsFor(userId: string, foreignTeam?: string): Promise<{ grants: Grant[]; uncertain: boolean }> {
    return this.engine.grantsFor(userId, foreignTeam);
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
    return { kind: 'reloaded', rules: built.engine.ruleCount };
  }

  private static build(sources: PolicySources, directory: GroupDirectory): Built | Invalid {
    const documents = [PolicyEngine.allowlistDocument(sources.allowlist)];
    let warnings: PolicyWarning[] = [];
    if (sources.file !== undefined) {
      const loaded = loadPolicyFile(sources.file);
      if (loaded.kind === 'invalid')
        return { kind: 'invalid', problems: loaded.problems.map((problem) => `${sources.file}: ${problem}`) };
      documents.push(loaded.policy);
      warnings = policyWarnings(loaded.policy, sources.environments);
    }
    return {
      kind: 'ok',
      engine: new PolicyEngine(PolicyEngine.combine(documents), directory, sources.environments),
      warnings,
    };
  }
}

interface Built {
  readonly kind: 'ok';
  readonly engine: PolicyEngine;
  readonly warnings: readonly PolicyWarning[];
}
