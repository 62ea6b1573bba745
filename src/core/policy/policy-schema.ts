import { z } from 'zod';
import { isGroupId, isUserId } from '../access/subjects.js';
import { FLOW_ACTIONS } from '../access/types.js';
import { isChannelId, MAX_CHANNEL_ID_LENGTH } from '../channel-id.js';
import { parseDurationSeconds } from '../durations.js';
import { checkPattern } from '../glob.js';
import { patternProblemText } from '../pattern-problem-text.js';

const subject = z.string().refine((value) => isUserId(value) || isGroupId(value), {
  message: 'must be a Slack user ID (U…/W…) or user-group ID (S…), not a name',
});

const action = z.union([z.enum(FLOW_ACTIONS), z.literal('*')], {
  error: () => `must be one of ${FLOW_ACTIONS.join(', ')} or *`,
});

/** Key and environment patterns: the bounds every pattern has wherever it enters (see checkPattern). */
const pattern = z.string().superRefine((value, context) => {
  const check = checkPattern(value);
  if (check.kind === 'invalid')
    context.addIssue({ code: 'custom', message: patternProblemText(check.problem) });
});

const channel = z.string().superRefine((value, context) => {
  if (isChannelId(value)) return;
  const tooLong = value.length > MAX_CHANNEL_ID_LENGTH && /^[CGD][A-Z0-9]+$/.test(value);
  context.addIssue({
    code: 'custom',
    message: tooLong
      ? `is longer than a Slack channel ID (at most ${MAX_CHANNEL_ID_LENGTH} characters)`
      : 'must be a Slack channel ID (C…), not a name',
  });
});

const team = z
  .string()
  .regex(
    /^[TE][A-Z0-9]{2,}$/,
    'must be a Slack workspace ID (T…) or Enterprise Grid org ID (E…), not a name',
  );

const duration = z.string().refine((value) => parseDurationSeconds(value) !== undefined, {
  message: 'must be a duration such as 15m or 1h',
});

const nonEmpty = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must list at least one entry');

/** No bulk request changes more keys than this, whatever a policy says (the summary and store stay small). */
export const MAX_BULK_KEYS = 2_000;

export const ruleSchema = z
  .object({
    name: z.string().max(80).optional(),
    effect: z.enum(['allow', 'deny']).default('allow'),
    subjects: nonEmpty(subject),
    actions: nonEmpty(action),
    keys: nonEmpty(pattern).default(['*']),
    environments: nonEmpty(pattern).default(['*']),
    channels: nonEmpty(channel).optional(),
    /** For rules granting `bulk`: the most keys one bulk request may change under this rule. */
    maxKeys: z.number().int().min(1).max(MAX_BULK_KEYS).optional(),
    /**
     * Other workspaces or orgs (Slack Connect partners) whose people this rule also covers. Without it, an
     * allow rule covers only people of the workspace (or org) Flowbot is installed in; deny rules cover all.
     */
    teams: nonEmpty(team).optional(),
  })
  .strict();

export const approvalSchema = z
  .object({
    name: z.string().max(80).optional(),
    actions: nonEmpty(z.enum(['pause', 'resume', 'pin', 'unpin', 'reset-rate', 'ramp'])),
    keys: nonEmpty(pattern).default(['*']),
    environments: nonEmpty(pattern).default(['*']),
    expires: duration.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1, { error: () => 'must be 1' }).default(1),
    rules: z.array(ruleSchema).default([]),
    approvals: z.array(approvalSchema).default([]),
    /** Limits on bulk actions (`*` and `?` patterns) for everyone. */
    bulk: z
      .object({ maxKeys: z.number().int().min(1).max(MAX_BULK_KEYS).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policySchema>;
export type PolicyRule = z.infer<typeof ruleSchema>;
export type ApprovalRule = z.infer<typeof approvalSchema>;
