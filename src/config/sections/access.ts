import { isSubjectId } from '../../core/access/subjects.js';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import { type EnvReader, splitList } from '../env-reader.js';
import { wholeNumber } from './checks.js';

/** Who may act: `FLOW_ALLOWED_USERS` (IDs only), the group cache, and the policy file. */
export function readAccess(env: EnvReader): Config['access'] {
  const allowedSubjects = splitList(env.read('FLOW_ALLOWED_USERS'));
  const bad = allowedSubjects.filter((entry) => !isSubjectId(entry));
  if (bad.length > 0) {
    env.invalid(
      'FLOW_ALLOWED_USERS',
      `${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} not a Slack user ID (U…/W…) or user-group ID (S…) — use IDs, not names (e.g. ${bad
        .slice(0, 3)
        .map((entry) => JSON.stringify(entry.slice(0, 24)))
        .join(', ')})`,
    );
  }
  const seconds =
    env.checked(
      'FLOW_GROUP_CACHE_SECONDS',
      env.read('FLOW_GROUP_CACHE_SECONDS') ?? DEFAULTS.FLOW_GROUP_CACHE_SECONDS,
      wholeNumber(0, 86_400),
      'seconds from 0 to 86400',
    ) ?? 0;
  return { allowedSubjects, groupCacheTtlMs: seconds * 1000, policyFile: env.read('FLOW_POLICY_FILE') };
}
