/** Slack IDs that may be granted access: users (U…, W… for Enterprise Grid) and user groups (S…). */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

export function isGroupId(value: string): boolean {
  return GROUP_ID.test(value);
}

export function isSubjectId(value: string): boolean {
  return isUserId(value) || isGroupId(value);
}

/**
 * Is the user one of the subjects, directly or through a group? Direct matches need no Slack call; group
 * lookups happen only when needed, and a lookup failure matters only if no other subject matched.
 */
export async function matchSubjects(
  userId: string,
  subjects: readonly string[],
  members: (groupId: string) => Promise<ReadonlySet<string>>,
): Promise<{ matched: string | undefined; lookupFailure: unknown }> {
  if (subjects.includes(userId)) return { matched: userId, lookupFailure: undefined };
  let lookupFailure: unknown;
  for (const subject of subjects) {
    if (!isGroupId(subject)) continue;
    try {
      if ((await members(subject)).has(userId)) return { matched: subject, lookupFailure: undefined };
    } catch (error) {
      lookupFailure ??= error;
    }
  }
  return { matched: undefined, lookupFailure };
}
