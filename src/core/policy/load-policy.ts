import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type PolicyDocument, policySchema } from './policy-schema.js';

export type PolicyLoad =
  | { readonly kind: 'ok'; readonly policy: PolicyDocument }
  | { readonly kind: 'invalid'; readonly problems: string[] };

/** Reads a policy file; every problem points at the rule and field at fault. */
export function loadPolicyFile(path: string): PolicyLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      kind: 'invalid',
      problems: [`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`],
    };
  }
  return parsePolicy(text);
}

/**
 * The problem with a policy file that holds no YAML at all (nothing, blank lines, comments) or nothing but
 * `version:`.
 */
export const EMPTY_POLICY =
  'holds nothing: expected "rules:" with the rules (write "rules: []" to grant nothing beyond FLOW_ALLOWED_USERS)';

/** The problem with a policy file that has other sections (`approvals:`, `bulk:`) but no `rules:`. */
export const NO_RULES =
  'has no "rules:": expected "rules:" with the rules (write "rules: []" to grant nothing beyond FLOW_ALLOWED_USERS)';

/**
 * Parses a policy file's text: YAML, then the schema. Never throws; problems point at the rule and field
 * (`rules[2] (“on-call”).subjects[0]: …`), or are EMPTY_POLICY when the text holds no YAML document or only
 * `version:`, NO_RULES when it has other sections but no `rules:`.
 */
export function parsePolicy(text: string): PolicyLoad {
  if (text.length > 1_000_000) return { kind: 'invalid', problems: ['the policy file is larger than 1 MB'] };
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      kind: 'invalid',
      problems: document.errors.map((error) => `YAML: ${error.message.split('\n')[0]}`),
    };
  }
  let raw: unknown;
  try {
    // Aliases are resolved here; a bad or exploding one (billion laughs) is a problem, not a crash.
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { kind: 'invalid', problems: [`YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  // An empty file (blank, comments, a bare `---` or `~`) is far more often an empty mount or a truncated write
  // than an admin granting nothing on purpose, which is said with `rules: []`.
  if (raw === null || raw === undefined) return { kind: 'invalid', problems: [EMPTY_POLICY] };
  // The same goes for a file without `rules:` (a template cut short after `version: 1`, say): granting nothing
  // through the policy must be written out.
  if (typeof raw === 'object' && !Array.isArray(raw) && !Object.hasOwn(raw, 'rules')) {
    const others = Object.keys(raw).filter((name) => name !== 'version');
    const parsed = policySchema.safeParse(raw, { reportInput: true });
    // Other problems (an unknown field, a bad approval) are said first: they are what the admin must fix.
    if (!parsed.success)
      return { kind: 'invalid', problems: parsed.error.issues.map((issue) => describeIssue(issue, raw)) };
    return { kind: 'invalid', problems: [others.length === 0 ? EMPTY_POLICY : NO_RULES] };
  }
  const parsed = policySchema.safeParse(raw, { reportInput: true });
  if (!parsed.success)
    return { kind: 'invalid', problems: parsed.error.issues.map((issue) => describeIssue(issue, raw)) };
  return { kind: 'ok', policy: parsed.data };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = issue.path
    .map((part, index) => {
      if (typeof part === 'number') {
        const parent = issue.path.slice(0, index);
        const name = ruleName(raw, [...parent, part]);
        return `[${part}]${name ? ` (“${name}”)` : ''}`;
      }
      return `${index === 0 ? '' : '.'}${String(part)}`;
    })
    .join('');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys')
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
  return `${where || 'policy'}: ${message}`;
}

/** A rule's name, to help people find it in a long file. */
function ruleName(raw: unknown, path: PropertyKey[]): string | undefined {
  if (path.length !== 2) return undefined;
  let node: unknown = raw;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  if (node && typeof node === 'object' && 'name' in node && typeof node.name === 'string')
    return node.name.slice(0, 80);
  return undefined;
}
