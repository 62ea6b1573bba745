import { matchSubjects } from './subjects.js';
import type { AccessDecision, AccessPolicy, AccessRequest, GroupDirectory } from './types.js';

/**
 * The simple form of access (`FLOW_ALLOWED_USERS`): the listed users and members of the listed user groups
 * may take every action on every key; nobody else may do anything.
 */
export class AllowlistPolicy implements AccessPolicy {
  constructor(
    private readonly subjects: readonly string[],
    private readonly directory: GroupDirectory,
  ) {}

  async authorize(request: AccessRequest): Promise<AccessDecision> {
    const { matched, lookupFailure } = await matchSubjects(request.actor.userId, this.subjects, (group) =>
      this.directory.members(group),
    );
    if (matched)
      return {
        allowed: true,
        grantedBy: matched === request.actor.userId ? 'allowlist:user' : `allowlist:group:${matched}`,
      };
    if (lookupFailure) {
      return {
        allowed: false,
        reason: 'directory_unavailable',
        explanation:
          'Flowbot could not check your user-group membership because Slack did not answer. Nothing was changed; try again in a moment.',
      };
    }
    return {
      allowed: false,
      reason: 'not_granted',
      explanation:
        'You are not on Flowbot’s access list. Ask your Flowbot admin to add you or one of your user groups.',
    };
  }
}
