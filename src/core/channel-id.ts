/**
 * What a Slack conversation ID looks like: `C` (channel), `G` (private channel or group DM) or `D` (DM), then
 * uppercase letters and digits. Slack's IDs are about 9–12 characters today and may grow, so up to
 * `MAX_CHANNEL_ID_LENGTH` is taken; anything longer (or with spaces, lowercase, `#names`, mrkdwn) is not an ID
 * and Slack answers `channel_not_found` for it. Every channel ID that comes from outside (settings, the policy,
 * alert bodies, Alertmanager labels, form and modal metadata) is checked against this one shape.
 */
export const MAX_CHANNEL_ID_LENGTH = 20;

export const CHANNEL_ID_PATTERN = new RegExp(`^[CGD][A-Z0-9]{2,${MAX_CHANNEL_ID_LENGTH - 1}}$`);

/** Whether `value` has the shape of a Slack conversation ID (see CHANNEL_ID_PATTERN). */
export function isChannelId(value: string): boolean {
  return CHANNEL_ID_PATTERN.test(value);
}

/**
 * Why `value` is not a channel ID, in words for the person or program that sent it, or undefined when it is
 * one. The value is quoted as a JSON string (quotes, control characters escaped) and cut to 40 characters, so
 * the reason is safe to put in any answer and stays short whatever was sent. `what` names where it came from
 * (`channel`, `slack_channel`, a setting).
 */
export function channelIdProblem(what: string, value: string): string | undefined {
  if (isChannelId(value)) return undefined;
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value.length > MAX_CHANNEL_ID_LENGTH && /^[CGD][A-Z0-9]+$/.test(value))
    return `${what} ${shown} is not a channel ID: ${value.length} characters, Slack's are at most ${MAX_CHANNEL_ID_LENGTH}`;
  return `${what} ${shown} is not a channel ID (C…)`;
}
