import { matchesGlob } from '../glob.js';
import { type KeyPatternProblem, keyPatternProblem } from '../key-patterns.js';
import type { ApprovalRule, PolicyDocument, PolicyRule } from './policy-schema.js';

/**
 * A pattern in a valid policy that can never match, so the rule (or that part of it) silently does nothing.
 * Data only: codes and parameters, put into words where they are shown (the startup log, `/flow whoami`).
 */
export type PatternWarning =
  | {
      /** No configured QStash environment matches this `environments` pattern. */
      readonly code: 'environment_not_configured';
      readonly pattern: string;
      /** The environments that are configured (their names, e.g. `default`). */
      readonly configured: readonly string[];
    }
  | {
      /** No key Flowbot accepts can match this `keys` pattern. */
      readonly code: 'key_pattern_never_matches';
      readonly pattern: string;
      readonly reason: KeyPatternProblem;
    };

/** Where in the policy file: `rules[2]` or `approvals[0]`, with the rule's name if it has one. */
export interface RuleRef {
  readonly list: 'rules' | 'approvals';
  readonly index: number;
  readonly name: string | undefined;
}

export type PolicyWarning = PatternWarning & { readonly rule: RuleRef };

/**
 * The patterns of one rule or approval that can never match. Environment patterns are checked only when the
 * configured environment names are known.
 */
export function ruleWarnings(
  rule: Pick<PolicyRule | ApprovalRule, 'keys' | 'environments'>,
  environments: readonly string[] | undefined,
): PatternWarning[] {
  const warnings: PatternWarning[] = [];
  if (environments !== undefined) {
    for (const pattern of rule.environments) {
      if (!environments.some((name) => pattern === '*' || matchesGlob(name, pattern)))
        warnings.push({ code: 'environment_not_configured', pattern, configured: environments });
    }
  }
  for (const pattern of rule.keys) {
    const reason = keyPatternProblem(pattern);
    if (reason !== undefined) warnings.push({ code: 'key_pattern_never_matches', pattern, reason });
  }
  return warnings;
}

/** Every warning of a policy file's rules and approvals, in file order. */
export function policyWarnings(
  document: PolicyDocument,
  environments: readonly string[] | undefined,
): PolicyWarning[] {
  const inList = (list: RuleRef['list'], rules: readonly (PolicyRule | ApprovalRule)[]) =>
    rules.flatMap((rule, index) =>
      ruleWarnings(rule, environments).map((warning) => ({
        ...warning,
        rule: { list, index, name: rule.name },
      })),
    );
  return [...inList('rules', document.rules), ...inList('approvals', document.approvals)];
}
