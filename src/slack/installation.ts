import type { WebClient } from '@slack/web-api';

/**
 * The workspace (and Enterprise Grid org) Flowbot is installed in, as Slack's `auth.test` tells it at
 * startup, with the bot's own IDs (Bolt needs them, and is given them instead of calling `auth.test` again).
 */
export interface Installation {
  readonly teamId: string;
  readonly enterpriseId: string | undefined;
  /** An org-wide install on Enterprise Grid: every workspace of the org is Flowbot's own. */
  readonly enterpriseInstall: boolean;
  readonly botId: string;
  readonly botUserId: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Calls `auth.test` once. Throws Slack's own error (`invalid_auth`…) for a token Slack rejects, and an Error
 * when the answer lacks the team or bot IDs. Source: Slack's `auth.test` reference (`team_id`, `user_id`,
 * `bot_id`, `enterprise_id`, `is_enterprise_install`).
 */
export async function learnInstallation(client: WebClient): Promise<Installation> {
  const answer = (await client.auth.test()) as unknown as Record<string, unknown>;
  const teamId = text(answer.team_id);
  const botId = text(answer.bot_id);
  const botUserId = text(answer.user_id);
  if (!teamId || !botId || !botUserId)
    throw new Error('Slack’s auth.test did not say which workspace and bot SLACK_BOT_TOKEN belongs to');
  return {
    teamId,
    enterpriseId: text(answer.enterprise_id),
    enterpriseInstall: answer.is_enterprise_install === true,
    botId,
    botUserId,
  };
}

/** Whose team a payload's person belongs to, as far as the payload says. */
export interface PayloadTeam {
  readonly teamId: string | undefined;
  readonly enterpriseId: string | undefined;
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * The team of the person behind a payload, for every kind Slack sends:
 * - slash commands: `team_id` and `enterprise_id` (the form fields of the command);
 * - interactions (`block_actions`, `view_submission`, `shortcut`, `message_action`, `block_suggestion`,
 *   `interactive_message`): `user.team_id`, else `team.id`; the org (`enterprise.id`) counts as the person's
 *   only when they are of the payload's own team (in a Slack Connect channel a guest's `user.team_id`
 *   differs from `team.id`, and the payload's org is then not theirs);
 * - events (`event_callback`, `function_executed` inside it): the event's `user_team`, `team`, else the
 *   envelope's `team_id`, with the envelope's `enterprise_id`.
 */
export function payloadTeam(body: unknown): PayloadTeam {
  if (text(field(body, 'command')) !== undefined)
    return { teamId: text(field(body, 'team_id')), enterpriseId: text(field(body, 'enterprise_id')) };
  const event = field(body, 'event');
  if (field(body, 'type') === 'event_callback' || event !== undefined) {
    return {
      teamId: text(field(event, 'user_team')) ?? text(field(event, 'team')) ?? text(field(body, 'team_id')),
      enterpriseId: text(field(body, 'enterprise_id')),
    };
  }
  const userTeam = text(field(field(body, 'user'), 'team_id'));
  const payloadTeamId = text(field(field(body, 'team'), 'id')) ?? text(field(body, 'team_id'));
  const sameTeam = userTeam === undefined || userTeam === payloadTeamId;
  return {
    teamId: userTeam ?? payloadTeamId,
    enterpriseId: sameTeam
      ? (text(field(field(body, 'enterprise'), 'id')) ?? text(field(body, 'enterprise_id')))
      : undefined,
  };
}

/**
 * The person's team when it is not Flowbot's own (undefined when it is): the same workspace, or the same org
 * for an org-wide install on Enterprise Grid. A payload that names no team at all is treated as foreign
 * (`unknown`): Slack always names one.
 */
export function foreignTeamOf(installation: Installation, team: PayloadTeam): string | undefined {
  if (team.teamId !== undefined && team.teamId === installation.teamId) return undefined;
  if (
    installation.enterpriseInstall &&
    installation.enterpriseId !== undefined &&
    (team.enterpriseId === installation.enterpriseId || team.teamId === installation.enterpriseId)
  )
    return undefined;
  return team.teamId ?? team.enterpriseId ?? 'unknown';
}
