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
