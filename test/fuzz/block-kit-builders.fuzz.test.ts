import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessRefusal, FlowAction, Grant } from '../../src/core/access/types.js';
import type { Incident } from '../../src/core/alerts/incident.js';
import type { Rollup, RollupRow } from '../../src/core/alerts/rollup.js';
import type { BulkBatch, BulkKeyResult, PreviewKey } from '../../src/core/bulk/bulk-batch.js';
import type { KeyPattern } from '../../src/core/bulk/key-pattern.js';
import type { CommandProblem } from '../../src/core/commands/flow-command.js';
import type { PatternProblem } from '../../src/core/glob.js';
import { checkKey, type KeyProblem, type KeyRef, MAX_KEY_LENGTH } from '../../src/core/keys.js';
import type { ApprovalRequest } from '../../src/core/operations/approvals.js';
import type { Authorization } from '../../src/core/operations/authorize.js';
import {
  type Change,
  type ChangeAction,
  changeOf,
  type PendingChange,
} from '../../src/core/operations/change.js';
import type { EnvironmentKeys, Outcome } from '../../src/core/operations/outcome.js';
import type { Refusal } from '../../src/core/operations/refusal.js';
import { QStashError, type QStashErrorFields, type QStashErrorKind } from '../../src/core/qstash/errors.js';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import type { RampPlan, RampPlanProblem } from '../../src/core/ramp/ramp-plan.js';
import type { Ramp, RampEvent, RampFailure } from '../../src/core/ramp/ramp-record.js';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { canMessage, whoamiMessage } from '../../src/slack/blocks/access.js';
import { alertMessage, resolvedAlertMessage } from '../../src/slack/blocks/alert.js';
import {
  type ApprovalStage,
  approvalCard,
  approvalPostponedNote,
  approvalRequestedNote,
  approvalUnpostedNote,
} from '../../src/slack/blocks/approval.js';
import {
  bulkApprovalCard,
  bulkNothingMessage,
  bulkPreviewMessage,
  bulkSummaryMessage,
} from '../../src/slack/blocks/bulk.js';
import { confirmationMessage, noteMessage } from '../../src/slack/blocks/confirmation.js';
import { globalMessage } from '../../src/slack/blocks/global.js';
import { HELP_TOPICS, helpMessage } from '../../src/slack/blocks/help.js';
import { homeView } from '../../src/slack/blocks/home.js';
import { describeCommandProblem } from '../../src/slack/blocks/input-problems.js';
import { listMessage } from '../../src/slack/blocks/list.js';
import {
  incidentActionNote,
  incidentResolvedNote,
  livingAlertMessage,
} from '../../src/slack/blocks/living-alert.js';
import { flowControlModal, MODAL_ACTIONS, noAccessModal } from '../../src/slack/blocks/modal.js';
import { escapeMrkdwn } from '../../src/slack/blocks/mrkdwn.js';
import { NOTES } from '../../src/slack/blocks/notes.js';
import { outbound, outboundView } from '../../src/slack/blocks/outbound.js';
import {
  doneMessage,
  duplicateMessage,
  failedMessage,
  joinedMessage,
  type KeyNaming,
  problemMessage,
  refusedMessage,
} from '../../src/slack/blocks/outcome.js';
import { rampControlNote, rampMessage, rampUnpostedNote } from '../../src/slack/blocks/ramp.js';
import { rollupListPage, rollupMessage } from '../../src/slack/blocks/rollup-alert.js';
import {
  pauseReminderMessage,
  pauseRemindersMessage,
  timedResumeMessage,
  timedResumesMessage,
} from '../../src/slack/blocks/schedule.js';
import { statusMessage } from '../../src/slack/blocks/status.js';
import type { SlackMessage } from '../../src/slack/blocks/types.js';
import { flowResumeUsage, keyProblem } from '../../src/slack/blocks/usage.js';
import { describeRefusal, validateMessage } from '../../stand-ins/block-kit.js';
import { checkView, type ViewSurface } from '../../stand-ins/slack-views.js';

// A fixed seed so a red build replays; FUZZ_SEED=random explores, any other number replays that run.
const seedSetting = process.env.FUZZ_SEED ?? '20261128';
const seed = seedSetting === 'random' ? undefined : Number(seedSetting);
const RUNS = { numRuns: 150, ...(seed === undefined ? {} : { seed }) };

/**
 * Every Block Kit builder, driven with maximal and hostile inputs, must produce a message the strict Block
 * Kit validator (what Slack accepts) takes as it is: 256-character keys of `&`, `<`, `>`, backticks and
 * emoji; 5,000-character alert texts, titles and reasons; many keys; every environment count; QStash's error
 * details. A refusal here is a message Slack would refuse, so Flowbot's answer would be lost.
 */

const HOSTILE_UNITS = [
  '&',
  '<',
  '>',
  '`',
  '😀',
  '*',
  '_',
  '~',
  '|',
  '\n',
  'a',
  'é',
  '\u202e',
  ':',
  '!',
  '@',
  '#',
];

/**
 * mrkdwn control sequences someone else may choose (a key's publisher, an alert's sender, QStash's error
 * text): each must reach Slack as text, never as a ping, a link or formatting that escapes Flowbot's own.
 */
const CONTROL_SEQUENCES = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0HOSTILE>',
  '<!subteam^S0HOSTILE|@team>',
  '<@U0HOSTILE>',
  '<@U0HOSTILE|boss>',
  '<#C0HOSTILE>',
  '<https://evil.example|click>',
  '<mailto:x@evil.example|mail>',
  '`',
  '```',
  '&',
  '&amp;',
  '&lt;!channel&gt;',
  '*bold*',
  '_x_',
  '~x~',
  '>',
  '\n>quote',
  '|',
];
/** Live markup none of these may become in what Slack receives. */
const LIVE_HOSTILE = /<!channel|<!here|<!everyone|<!subteam|<@U0HOSTILE|<#C0HOSTILE|<https:\/\/evil|<mailto:/;

function controlText(maxLength: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...CONTROL_SEQUENCES), { maxLength: 12 })
    .map((parts) => parts.join('').slice(0, maxLength));
}

function hostileText(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: controlText(maxLength) },
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), maxLength }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('&', '<', '>', '`', '😀', '<!channel>', '&amp;')
        .map((unit) => unit.repeat(Math.floor(maxLength / unit.length))),
    },
  );
}

/** Keys Flowbot accepts: checkKey passes, so at most 256 UTF-16 units and no spaces or control characters. */
const keyArb: fc.Arbitrary<string> = fc
  .oneof(
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('&', '<', '>', '`', '😀', '|', '*')
        .map((unit) => unit.repeat(MAX_KEY_LENGTH / unit.length)),
    },
    {
      weight: 3,
      arbitrary: fc.string({
        unit: fc.constantFrom('&', '<', '>', '`', '😀', 'a', ':', '|', '*', '_', 'é', '/', '$', '\u202e'),
        minLength: 1,
        maxLength: MAX_KEY_LENGTH,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('$', 'orders-eu', '<!channel>', '`a`', 'a'.repeat(MAX_KEY_LENGTH)),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.constantFrom(...CONTROL_SEQUENCES.filter((c) => !/\s/.test(c))), {
          minLength: 1,
          maxLength: 8,
        })
        .map((parts) => parts.join('')),
    },
  )
  .map((key) => (key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key))
  .filter((key) => checkKey(key).kind === 'ok');

const ENVIRONMENT_NAMES = ['prod', 'staging', 'e'.repeat(32), 'a-very-long_env-name-0123456789x', 'dev'];
const environmentCountArb = fc.integer({ min: 1, max: ENVIRONMENT_NAMES.length });
const environmentArb = fc.constantFrom(...ENVIRONMENT_NAMES);
const refArb: fc.Arbitrary<KeyRef> = fc.record({ environment: environmentArb, key: keyArb });
const namingArb: fc.Arbitrary<KeyNaming> = environmentCountArb.map((environmentCount) => ({
  environmentCount,
}));
const slackIdArb = fc.constantFrom('UALLOWED1', 'W0123456789ABCDEF', 'U'.padEnd(21, '9'));
const userArb = fc.oneof(slackIdArb, hostileText(300));
const countArb = fc.oneof(fc.constantFrom(0, 1, 99, 100, 12_340, 2 ** 31, Number.MAX_SAFE_INTEGER), fc.nat());
const maybeCount = fc.option(countArb, { nil: undefined });
const dateArb = fc.date({ min: new Date(0), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true });
const actionArb: fc.Arbitrary<FlowAction> = fc.constantFrom(
  'status',
  'list',
  'pause',
  'resume',
  'pin',
  'unpin',
  'reset-rate',
  'approve',
  'ramp',
);

const stateArb: fc.Arbitrary<FlowKeyState> = fc.record({
  key: keyArb,
  waitlistSize: countArb,
  paused: fc.boolean(),
  parallelismMax: maybeCount,
  parallelismCount: countArb,
  rateMax: maybeCount,
  rateCount: countArb,
  ratePeriod: fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: undefined }),
  ratePeriodStart: fc.option(fc.integer({ min: 1, max: 7_258_118_400 }), { nil: undefined }),
  pinnedParallelism: fc.boolean(),
  pinnedRate: fc.boolean(),
});
const maybeState = fc.option(stateArb, { nil: undefined });

const errorFieldsArb: fc.Arbitrary<QStashErrorFields & { detail: string; attempts: number }> = fc.record({
  kind: fc.constantFrom<QStashErrorKind>(
    'bad_request',
    'unauthorized',
    'not_found',
    'rate_limited',
    'unavailable',
    'timeout',
    'invalid_response',
  ),
  detail: hostileText(5000),
  status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
  attempts: fc.integer({ min: 0, max: 1000 }),
});
const errorArb: fc.Arbitrary<QStashError> = errorFieldsArb.map((fields) => new QStashError(fields));
const changeActionArb: fc.Arbitrary<ChangeAction> = fc.constantFrom(
  'pause',
  'resume',
  'pin',
  'unpin',
  'reset-rate',
  'ramp',
);
const modeArb = fc.constantFrom('rate' as const, 'parallelism' as const);
const planProblemArb: fc.Arbitrary<RampPlanProblem> = fc.oneof(
  fc.constant({ code: 'no_limit' as const }),
  fc.record({ code: fc.constant('no_mode_limit' as const), mode: modeArb }),
  fc.record({ code: fc.constant('limit_too_low' as const), mode: modeArb, limit: countArb }),
  fc.constant({ code: 'bad_start' as const }),
  fc.record({
    code: fc.constant('start_not_below' as const),
    mode: modeArb,
    limit: countArb,
    start: countArb,
  }),
  fc.record({ code: fc.constant('bad_duration' as const), minSeconds: countArb, maxSeconds: countArb }),
);
const accessRefusalArb: fc.Arbitrary<AccessRefusal> = fc.oneof(
  fc.record({
    code: fc.constant('not_granted' as const),
    action: actionArb,
    scope: fc.constantFrom('deny_rule', 'other_channels', 'not_listed', 'not_covered') as fc.Arbitrary<
      'deny_rule' | 'other_channels' | 'not_listed' | 'not_covered'
    >,
    onKey: fc.boolean(),
  }),
  fc.constant({ code: 'directory_unavailable' as const }),
  fc.record({
    code: fc.constant('other_team' as const),
    team: fc.oneof(hostileText(300), fc.constant('T0GUEST01')),
  }),
);
/** Core says whole seconds, at least one; the words must hold for any number it might send. */
const retryAfterArb = fc.oneof(countArb, fc.constantFrom(1, 999, 1_000, 1_001, 59_999, 86_400_000));
const overloadedArb = fc.record({ code: fc.constant('overloaded' as const), retryAfterMs: retryAfterArb });
const refusalArb: fc.Arbitrary<Refusal> = fc.oneof(
  accessRefusalArb,
  fc.record({
    code: fc.constant('rate_limited' as const),
    limit: countArb,
    windowMs: countArb,
    retryAfterMs: countArb,
    used: countArb,
    wanted: countArb,
  }),
  fc.constant({ code: 'approval_needs_channel' as const }),
  fc.constant({ code: 'approval_unposted' as const }),
  fc.record({ code: fc.constant('approval_unposted' as const), error: hostileText(300) }),
  fc.record({ code: fc.constant('approval_required' as const), rule: hostileText(5000) }),
  fc.record({ code: fc.constant('ramp_in_progress' as const), startedBy: userArb }),
  fc.record({ code: fc.constant('ramp_unplannable' as const), problem: planProblemArb }),
  fc.constant({ code: 'ramp_state_unknown' as const }),
  overloadedArb,
);
const keyProblemArb: fc.Arbitrary<KeyProblem> = fc.oneof(
  fc.constant({ code: 'empty' as const }),
  fc.record({ code: fc.constant('too_long' as const), length: countArb, max: countArb }),
  fc.constant({ code: 'control_characters' as const }),
  fc.constant({ code: 'spaces' as const }),
  fc.record({ code: fc.constant('dot_segment' as const), key: fc.constantFrom('.', '..') }),
  fc.constant({ code: 'broken_unicode' as const }),
  fc.record({
    code: fc.constant('unknown_environment' as const),
    name: hostileText(40),
    known: fc.array(environmentArb, { maxLength: 5 }),
  }),
);
const patternProblemArb: fc.Arbitrary<PatternProblem> = fc.oneof(
  keyProblemArb.filter(
    (problem): problem is Exclude<KeyProblem, { code: 'unknown_environment' }> =>
      problem.code !== 'unknown_environment',
  ),
  fc.record({ code: fc.constant('too_many_wildcards' as const), count: countArb, max: countArb }),
);
/** Every problem a /flow text can have, with whatever was typed echoed (the parser cuts it; here it is not). */
const commandProblemArb: fc.Arbitrary<CommandProblem> = fc.oneof(
  fc.constant({ code: 'missing_key' as const }),
  fc.record({ code: fc.constant('key' as const), problem: keyProblemArb }),
  fc.record({
    code: fc.constant('bad_pause_duration' as const),
    text: hostileText(40),
    maxSeconds: countArb,
  }),
  fc.record({ code: fc.constant('pattern' as const), problem: patternProblemArb }),
  fc.record({ code: fc.constant('unknown_environment' as const), name: hostileText(40) }),
  fc.record({
    code: fc.constant('ramp' as const),
    problem: fc.oneof(
      fc.record({ code: fc.constant('bad_start' as const), text: hostileText(40) }),
      fc.record({ code: fc.constant('bad_duration' as const), text: hostileText(40) }),
      fc.record({ code: fc.constant('not_an_option' as const), word: hostileText(40) }),
    ),
  }),
  fc.record({
    code: fc.constant('pin' as const),
    problem: fc.oneof(
      fc.record({ code: fc.constant('not_a_setting' as const), word: hostileText(40) }),
      fc.record({
        code: fc.constant('bad_number' as const),
        name: fc.constantFrom('rate' as const, 'parallelism' as const),
        text: hostileText(40),
        max: countArb,
      }),
      fc.record({ code: fc.constant('bad_period' as const), text: hostileText(40), maxSeconds: countArb }),
    ),
  }),
  fc.record({
    code: fc.constant('not_an_action' as const),
    text: hostileText(40),
    actions: fc.array(actionArb),
  }),
  fc.record({ code: fc.constant('unknown_subcommand' as const), text: hostileText(40) }),
);

const changeArb: fc.Arbitrary<PendingChange> = fc.oneof(
  fc.record({
    action: fc.constant('pause' as const),
    target: refArb,
    reason: fc.option(hostileText(5000), { nil: undefined }),
    forMs: fc.option(fc.integer({ min: 1, max: 7 * 86_400_000 }), { nil: undefined }),
  }),
  fc.record({ action: fc.constant('resume' as const), target: refArb }),
  fc.record({ action: fc.constant('reset-rate' as const), target: refArb }),
  fc.record({
    action: fc.constant('pin' as const),
    target: refArb,
    settings: fc.record(
      { parallelism: countArb, rate: countArb, period: fc.integer({ min: 1, max: 604_800 }) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    action: fc.constant('unpin' as const),
    target: refArb,
    settings: fc.record({ parallelism: fc.boolean(), rate: fc.boolean() }),
  }),
  fc.record({
    action: fc.constant('ramp' as const),
    target: refArb,
    request: fc.record(
      {
        mode: fc.constantFrom('rate' as const, 'parallelism' as const),
        from: fc.integer({ min: 1, max: 1_000_000 }),
        overSeconds: fc.integer({ min: 1, max: 86_400 }),
      },
      { requiredKeys: [] },
    ),
  }),
);

const approvalArb: fc.Arbitrary<ApprovalRequest> = fc.record({
  id: fc.uuid(),
  requesterId: userArb,
  channelId: fc.constant('CINCIDENTS'),
  change: changeArb,
  rule: hostileText(5000),
  createdAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  expiresAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
});

/**
 * Those whose same change shared one QStash call: none, a few hostile names, or thousands (nobody joining a
 * change in flight is refused, so at 500 requests a second on a few keys there can be that many).
 */
const sharersArb: fc.Arbitrary<readonly string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.array(userArb, { maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 11, max: 5_000 }),
        fc.constantFrom('U'.padEnd(21, '9'), '<'.repeat(300), '😀'.repeat(150)),
      )
      .map(([count, id]) => Array.from({ length: count }, () => id)),
  },
);

/** What a public message of a change is drawn from: every action (cards reuse the words for reads too). */
const doneArb = fc.record({
  action: actionArb,
  target: refArb,
  actorId: userArb,
  before: maybeState,
  after: maybeState,
  at: dateArb,
  reason: fc.option(hostileText(5000), { nil: undefined }),
  approvedBy: fc.option(userArb, { nil: undefined }),
  resumeAt: fc.option(dateArb, { nil: undefined }),
  sharedWith: fc.option(sharersArb, { nil: undefined }),
});

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  fc.record({
    kind: fc.constant('done' as const),
    action: changeActionArb,
    target: refArb,
    actorId: userArb,
    source: fc.constantFrom('command' as const, 'timer' as const, 'ramp' as const),
    requestId: fc.uuid(),
    before: maybeState,
    after: maybeState,
    at: dateArb,
    reason: fc.option(hostileText(5000), { nil: undefined }),
    approvedBy: fc.option(userArb, { nil: undefined }),
    resumeAt: fc.option(dateArb, { nil: undefined }),
    sharedWith: fc.option(sharersArb, { nil: undefined }),
    joined: fc.option(userArb, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('refused' as const),
    action: changeActionArb,
    target: refArb,
    refusal: refusalArb,
  }),
  fc.record({
    kind: fc.constant('needs_approval' as const),
    action: changeActionArb,
    target: refArb,
    actorId: userArb,
    approval: approvalArb,
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    action: changeActionArb,
    target: refArb,
    holderId: userArb,
  }),
  fc.record({
    kind: fc.constant('failed' as const),
    action: changeActionArb,
    target: refArb,
    error: errorArb,
  }),
);

const planArb: fc.Arbitrary<RampPlan> = fc.record({
  mode: fc.constantFrom('rate' as const, 'parallelism' as const),
  values: fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 200 }),
  stepSeconds: fc.integer({ min: 1, max: 86_400 }),
  period: fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: undefined }),
  prior: fc.record({
    pinnedRate: fc.boolean(),
    pinnedParallelism: fc.boolean(),
    rateMax: maybeCount,
    ratePeriod: fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: undefined }),
    parallelismMax: maybeCount,
  }),
  waitlistAtStart: countArb,
  drainSeconds: fc.option(fc.integer({ min: 0, max: 10 ** 9 }), { nil: undefined }),
});

const failureArb: fc.Arbitrary<RampFailure> = fc.oneof(
  refusalArb.map((refusal) => ({ refusal })),
  errorFieldsArb.map((error) => ({ error })),
);
const at = fc.integer({ min: 0, max: 7_258_118_400_000 });
const rampEventArb: fc.Arbitrary<RampEvent> = fc.oneof(
  fc.record({ kind: fc.constant('held' as const), by: userArb, at }),
  fc.record({ kind: fc.constant('continued' as const), by: userArb, at }),
  fc.record({ kind: fc.constant('finished' as const), at, restored: fc.boolean() }),
  fc.record({ kind: fc.constant('finished_early' as const), by: userArb, at, restored: fc.boolean() }),
  fc.record({
    kind: fc.constant('aborted' as const),
    by: userArb,
    at,
    pauseFailure: fc.option(failureArb, { nil: undefined }),
    restored: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('stopped' as const), by: userArb, at, action: actionArb }),
  fc.record({
    kind: fc.constant('step_failed' as const),
    at,
    step: fc.nat({ max: 1000 }),
    failure: failureArb,
    stuck: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('refused' as const), at, step: fc.nat({ max: 1000 }), refusal: refusalArb }),
  fc.record({ kind: fc.constant('deferred' as const), at, step: fc.nat({ max: 1000 }), until: at }),
  fc.record({
    kind: fc.constant('not_started' as const),
    at,
    stage: fc.constantFrom('pin' as const, 'resume' as const),
    failure: failureArb,
    restored: fc.boolean(),
  }),
);

const rampArb: fc.Arbitrary<Ramp> = fc
  .record({
    id: fc.uuid(),
    target: refArb,
    startedBy: userArb,
    channelId: fc.constant('CINCIDENTS'),
    plan: planArb,
    stepFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    status: fc.constantFrom('running', 'held', 'done', 'aborted', 'stopped', 'failed') as fc.Arbitrary<
      Ramp['status']
    >,
    nextAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
    startedAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
    history: fc.array(countArb, { maxLength: 24 }),
    failures: fc.nat({ max: 10 }),
    event: fc.option(rampEventArb, { nil: undefined }),
    restore: fc.option(fc.constantFrom('pin' as const, 'unpin' as const), { nil: undefined }),
  })
  .map(({ stepFraction, ...ramp }) => ({
    ...ramp,
    stepIndex: Math.min(ramp.plan.values.length - 1, Math.floor(stepFraction * ramp.plan.values.length)),
  }));

const timerArb: fc.Arbitrary<Timer> = fc.record({
  id: fc.uuid(),
  kind: fc.constantFrom('resume', 'reminder') as fc.Arbitrary<Timer['kind']>,
  target: refArb,
  channelId: fc.constant('CINCIDENTS'),
  actorId: userArb,
  pausedAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  dueAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  reason: fc.option(hostileText(5000), { nil: undefined }),
  reminders: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
});

const incidentArb: fc.Arbitrary<Incident> = fc.record({
  id: fc.uuid(),
  target: refArb,
  channel: fc.constant('CALERTS'),
  ts: fc.constant('1700000000.000100'),
  status: fc.constantFrom('open', 'resolved') as fc.Arbitrary<Incident['status']>,
  title: hostileText(5000),
  text: fc.option(hostileText(5000), { nil: undefined }),
  severity: fc.option(
    fc.constantFrom('critical', 'warning', 'info') as fc.Arbitrary<Incident['severity'] & string>,
    {
      nil: undefined,
    },
  ),
  links: fc.option(
    fc.array(
      fc.record({
        url: fc.oneof(
          fc.webUrl(),
          hostileText(3000).map((s) => `https://e.example/${s}`),
        ),
        text: hostileText(5000),
      }),
      { maxLength: 20 },
    ),
    { nil: undefined },
  ),
  sources: fc.array(hostileText(500), { minLength: 1, maxLength: 30 }),
  count: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  firstSeen: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  lastSeen: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  lastAction: fc.option(
    fc.record({ actorId: userArb, action: actionArb, at: fc.integer({ min: 0, max: 7_258_118_400_000 }) }),
    { nil: undefined },
  ),
  resolved: fc.option(
    fc.record({ at: fc.integer({ min: 0, max: 7_258_118_400_000 }), by: hostileText(500) }),
    {
      nil: undefined,
    },
  ),
});

const stageArb: fc.Arbitrary<ApprovalStage> = fc.oneof(
  fc.constant({ kind: 'pending' as const }),
  fc.record({ kind: fc.constant('approved' as const), by: userArb, outcome: outcomeArb }),
  fc.record({ kind: fc.constant('rejected' as const), by: userArb }),
  fc.constant({ kind: 'withdrawn' as const }),
  fc.constant({ kind: 'expired' as const }),
);

const grantArb: fc.Arbitrary<Grant> = fc.record({
  rule: hostileText(500),
  effect: fc.constantFrom('allow', 'deny') as fc.Arbitrary<Grant['effect']>,
  actions: fc.array(fc.oneof(actionArb, fc.constant('*')), { minLength: 1, maxLength: 10 }),
  keys: fc.array(hostileText(256), { minLength: 1, maxLength: 20 }),
  environments: fc.array(fc.oneof(environmentArb, fc.constant('*')), { minLength: 1, maxLength: 5 }),
  channels: fc.option(fc.array(fc.constant('C0123456789'), { maxLength: 20 }), { nil: undefined }),
});

const environmentKeysArb: fc.Arbitrary<EnvironmentKeys> = fc.record({
  environment: environmentArb,
  keys: fc.option(fc.array(stateArb, { maxLength: 120 }), { nil: undefined }),
  error: fc.option(errorArb, { nil: undefined }),
});

/** A block another system put on its alert, as Slack accepted it. */
const senderBlockArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  hostileText(3000)
    .filter((text) => text.length > 0)
    .map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  fc.constant({ type: 'divider' }),
  keyArb.map((key) => ({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: 'flow_resume',
        text: { type: 'plain_text', text: 'Resume' },
        value: key,
      },
      {
        type: 'button',
        action_id: 'runbook',
        text: { type: 'plain_text', text: 'Runbook' },
        url: 'https://e.example',
      },
    ],
  })),
  hostileText(3000)
    .filter((text) => text.length > 0)
    .map((text) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] })),
);

/** Blocks Slack accepted from the sender: at most 50, within the total size. */
const rollupRowArb: fc.Arbitrary<RollupRow> = fc.record({
  id: fc.uuid(),
  target: refArb,
  status: fc.constantFrom('open', 'resolved') as fc.Arbitrary<RollupRow['status']>,
  title: hostileText(5000),
  severity: fc.option(fc.constantFrom('critical', 'warning', 'info') as fc.Arbitrary<'critical'>, {
    nil: undefined,
  }),
  count: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  firstSeen: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  lastSeen: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  state: fc.option(fc.record({ paused: fc.boolean(), waitlist: countArb }), { nil: undefined }),
  lastAction: fc.option(
    fc.record({
      actorId: userArb,
      action: fc.constantFrom('resume', 'pause') as fc.Arbitrary<'resume'>,
      at: fc.integer({ min: 0, max: 7_258_118_400_000 }),
    }),
    { nil: undefined },
  ),
  resolved: fc.option(
    fc.record({
      at: fc.integer({ min: 0, max: 7_258_118_400_000 }),
      by: hostileText(300),
      stale: fc.boolean(),
    }),
    { nil: undefined },
  ),
});

const rollupArb: fc.Arbitrary<Rollup> = fc.record({
  channel: fc.constant('CALERTS'),
  ts: fc.constant('1700000000.000100'),
  openedAt: fc.integer({ min: 0, max: 7_258_118_400_000 }),
  // Up to a storm's worth of keys: hundreds of rows must still fit Slack's limits.
  rows: fc.array(rollupRowArb, { maxLength: 600 }),
  version: fc.nat(),
});

const senderMessageArb = fc
  .record({ blocks: fc.array(senderBlockArb, { maxLength: 50 }), text: hostileText(5000) })
  .filter(({ blocks, text }) => validateMessage({ text, blocks }, 'chat.postMessage') === undefined);

/** Every mrkdwn text Slack would read as markup: the top-level text and each mrkdwn text object. */
function mrkdwnTexts(message: SlackMessage): string[] {
  const texts = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (object.type === 'mrkdwn' && typeof object.text === 'string') texts.push(object.text);
      else Object.values(object).forEach(walk);
    }
  };
  walk(message.blocks);
  return texts;
}

/** Flowbot's own markup forms, the only ones allowed through (see src/slack/blocks/outbound.ts). */
const OWN_MARKUP =
  /^<(@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,}|!date\^\d+\^[^|]*\|[^|]*|https?:\/\/[^\s|]+\|[^<>]*)>$/;

/** Special mentions: never live in anything Flowbot sends, the sender's own content included. */
const SPECIAL_MENTION = /<!channel|<!here|<!everyone|<!subteam/;

/**
 * `senderContent`: the message keeps what another system wrote (its own mentions and links stay theirs);
 * only special mentions and markup of other kinds are checked there.
 */
function accepted(message: SlackMessage, senderContent = false): void {
  for (const [where, candidate] of [
    ['built', message],
    ['sent', outbound(message)],
  ] as const) {
    const refusal = validateMessage({ text: candidate.text, blocks: candidate.blocks }, 'chat.postMessage');
    if (refusal !== undefined) {
      throw new Error(
        `Slack would refuse this message (${where}): ${describeRefusal(refusal)}\n${JSON.stringify(candidate).slice(0, 2000)}`,
      );
    }
  }
  for (const text of mrkdwnTexts(outbound(message))) {
    const live = (senderContent ? SPECIAL_MENTION : LIVE_HOSTILE).exec(text);
    if (live) throw new Error(`outside text became live markup (${live[0]}): ${text.slice(0, 2000)}`);
    for (const markup of text.match(/<[^<>]*>/g) ?? [])
      if (!OWN_MARKUP.test(markup)) throw new Error(`markup that is not Flowbot's own: ${markup}`);
  }
}

function property<T>(arb: fc.Arbitrary<T>, build: (input: T) => SlackMessage, senderContent = false): void {
  fc.assert(
    fc.property(arb, (input) => {
      accepted(build(input), senderContent);
    }),
    RUNS,
  );
}

describe('every Block Kit builder fits what Slack accepts, whatever goes in', () => {
  it('outcomes: done, refused, failed, duplicate', () => {
    property(fc.tuple(outcomeArb, namingArb), ([outcome, naming]) => {
      switch (outcome.kind) {
        case 'done':
          return doneMessage(outcome, naming);
        case 'refused':
          return refusedMessage(outcome, naming);
        case 'failed':
          return failedMessage(outcome, naming);
        case 'duplicate':
          return duplicateMessage(outcome, naming);
        case 'needs_approval':
          return approvalRequestedNote(outcome.approval, naming);
      }
    });
    property(fc.tuple(doneArb, namingArb), ([done, naming]) => doneMessage(done, naming));
    property(fc.tuple(refusalArb, actionArb, refArb, namingArb), ([refusal, action, target, naming]) =>
      refusedMessage({ action, target, refusal }, naming),
    );
  });

  it('shared calls and overload refusals: the channel’s message, the private notes, the refusal', () => {
    // The public message of a change several people asked for at once: ten named, the rest counted.
    property(fc.tuple(doneArb, sharersArb, namingArb), ([done, sharedWith, naming]) =>
      doneMessage({ ...done, sharedWith }, naming),
    );
    // With Slack's own user IDs (what payloads carry) the sentence is never cut, however many asked.
    property(
      fc.tuple(doneArb, slackIdArb, fc.array(slackIdArb, { minLength: 1, maxLength: 5_000 }), namingArb),
      ([done, actorId, sharedWith, naming]) => {
        const message = doneMessage({ ...done, actorId, approvedBy: undefined, sharedWith }, naming);
        const text = JSON.stringify(message.blocks);
        expect(text).toContain('asked for it at the same time (one call to QStash for all).');
        if (sharedWith.length > 10) expect(text).toContain(`and ${sharedWith.length - 10} more asked`);
        else expect(text).not.toContain(' more asked');
        return message;
      },
    );
    // Each of the others: done together with the first request, told privately.
    property(
      fc.tuple(changeActionArb, refArb, maybeState, fc.option(userArb, { nil: undefined }), namingArb),
      ([action, target, after, joined, naming]) => {
        const message = joinedMessage({ action, target, after, joined }, naming);
        expect(message.text).toContain('with one call to QStash');
        return message;
      },
    );
    // Refused at once: nothing changed, and when to try again, in whole seconds (at least one).
    property(fc.tuple(overloadedArb, actionArb, refArb, namingArb), ([refusal, action, target, naming]) => {
      const message = refusedMessage({ action, target, refusal }, naming);
      const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
      expect(message.text).toContain(
        `Flowbot is overloaded, nothing was changed, try again in ${seconds} s.`,
      );
      expect(message.text).toMatch(/try again in [1-9]\d* s\./);
      return message;
    });
  });

  it('notes, for every answer a listener gives', () => {
    property(
      fc.tuple(errorFieldsArb, refArb, namingArb, keyProblemArb),
      ([error, target, naming, problem]) => {
        const notes = [
          NOTES.confirmationGone(),
          NOTES.notYourConfirmation(),
          NOTES.confirmed(target, naming),
          NOTES.cancelled(target, naming),
          NOTES.nothingToCancel(),
          NOTES.approvalGone(),
          NOTES.ownRequest(),
          NOTES.unknownButton(),
          NOTES.unusableList(),
          NOTES.unusableKey(problem),
          NOTES.proposalFailed(error, target),
          NOTES.unreadableKey(target, naming, error),
          NOTES.unlistable(error),
          NOTES.stateUnavailable(),
          NOTES.unexpected(),
          NOTES.unhandled(),
          rampUnpostedNote(),
          rampControlNote({ kind: 'gone' }),
          rampControlNote({ kind: 'busy' }),
        ];
        for (const note of notes.slice(1)) accepted(note);
        return notes[0] as SlackMessage;
      },
    );
    property(
      fc.tuple(approvalArb, namingArb, countArb, hostileText(100)),
      ([approval, naming, ms, error]) => {
        accepted(approvalRequestedNote(approval, naming));
        accepted(approvalUnpostedNote(error));
        return approvalPostponedNote(approval, ms);
      },
    );
    property(fc.tuple(userArb, actionArb, hostileText(500)), ([actor, action, by]) => {
      accepted(incidentActionNote(actor, action));
      return incidentResolvedNote(by);
    });
  });

  it('problem and note messages, usage and key problems', () => {
    property(
      fc.tuple(hostileText(5000), fc.option(hostileText(5000), { nil: undefined })),
      // The hint and a note are mrkdwn by contract (the blocks' own words, outside text escaped).
      ([problem, hint]) => problemMessage(problem, hint === undefined ? undefined : escapeMrkdwn(hint)),
    );
    property(hostileText(5000), (text) => noteMessage(escapeMrkdwn(text) || 'x'));
    property(fc.tuple(keyProblemArb, fc.constantFrom('/flow-resume', '/flow resume')), ([problem, command]) =>
      keyProblem(problem, command),
    );
    property(fc.array(environmentArb, { maxLength: 5 }), (names) => flowResumeUsage(names));
  });

  it('help, for every topic and a problem of any length', () => {
    property(
      fc.tuple(
        fc.option(fc.constantFrom(...HELP_TOPICS, 'nope', '__proto__'), { nil: undefined }),
        fc.array(environmentArb, { maxLength: 5 }),
        fc.option(commandProblemArb, { nil: undefined }),
      ),
      ([topic, names, problem]) =>
        helpMessage(topic, names, problem === undefined ? undefined : describeCommandProblem(problem)),
    );
  });

  it('status cards', () => {
    property(
      // The note is mrkdwn by contract (`noteFromOutcome`: the blocks' own words).
      fc.tuple(
        refArb,
        stateArb,
        namingArb,
        fc.option(hostileText(5000).map(escapeMrkdwn), { nil: undefined }),
        dateArb,
      ),
      ([target, state, naming, note, at]) => statusMessage(target, state, naming, { note, at }),
    );
  });

  it('key lists: many keys, long keys, errors from each environment', () => {
    property(
      fc.tuple(
        fc.array(environmentKeysArb, { minLength: 1, maxLength: 5 }),
        fc.option(hostileText(500), { nil: undefined }),
        namingArb,
      ),
      ([results, glob, naming]) => listMessage(results, glob, naming),
    );
  });

  it('global parallelism', () => {
    property(
      fc.tuple(
        fc.array(
          fc.record({
            environment: environmentArb,
            global: fc.option(fc.record({ parallelismMax: maybeCount, parallelismCount: countArb }), {
              nil: undefined,
            }),
            // mrkdwn by contract: the blocks' own words, with QStash's escaped.
            problem: fc.option(hostileText(5000).map(escapeMrkdwn), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        namingArb,
      ),
      ([results, naming]) => globalMessage(results, naming),
    );
  });

  it('confirmations, for every kind of change', () => {
    property(
      fc.tuple(
        changeArb,
        maybeState,
        fc.uuid(),
        namingArb,
        fc.integer({ min: 1, max: 10_000 }),
        fc.option(planArb, { nil: undefined }),
      ),
      ([change, state, id, naming, minutes, plan]) =>
        confirmationMessage(change, state, id, naming, minutes, plan),
    );
  });

  it('approval cards at every stage', () => {
    property(fc.tuple(approvalArb, maybeState, namingArb, stageArb), ([request, state, naming, stage]) =>
      approvalCard(request, state, naming, stage),
    );
  });

  it('alerts: 5,000-character titles and texts on 256-character keys', () => {
    property(
      fc.tuple(
        fc.record({
          target: refArb,
          title: fc.option(hostileText(5000), { nil: undefined }),
          text: fc.option(hostileText(5000), { nil: undefined }),
          state: maybeState,
        }),
        namingArb,
      ),
      ([alert, naming]) => alertMessage(alert, naming),
    );
  });

  it('a resolved alert keeps what the sender wrote and still fits', () => {
    property(
      fc.tuple(
        senderMessageArb,
        userArb,
        dateArb,
        maybeState,
        fc.option(hostileText(5000), { nil: undefined }),
      ),
      ([original, actorId, at, after, released]) =>
        resolvedAlertMessage(original, { actorId, at, after, released }),
      true,
    );
  });

  it('living alerts, open and resolved', () => {
    property(fc.tuple(incidentArb, maybeState, namingArb), ([incident, state, naming]) =>
      livingAlertMessage(incident, state, naming),
    );
  });

  it('roll-ups of an alert storm, and their private pages', () => {
    property(fc.tuple(rollupArb, namingArb), ([rollup, naming]) => rollupMessage(rollup, naming));
    property(fc.tuple(rollupArb, fc.integer({ min: -5, max: 100 }), namingArb), ([rollup, page, naming]) =>
      rollupListPage(rollup, page, naming),
    );
  });

  it('ramp progress', () => {
    property(
      fc.tuple(rampArb, maybeState, namingArb, fc.integer({ min: 0, max: 7_258_118_400_000 })),
      ([ramp, state, naming, now]) => rampMessage(ramp, state, naming, now),
    );
  });

  it('timed resumes and pause reminders', () => {
    property(
      fc.tuple(timerArb, outcomeArb, namingArb, fc.integer({ min: 0, max: 7_258_118_400_000 })),
      ([timer, outcome, naming, now]) => timedResumeMessage(timer, outcome, naming, now),
    );
    property(
      fc.tuple(timerArb, stateArb, namingArb, fc.integer({ min: 0, max: 7_258_118_400_000 })),
      ([timer, state, naming, now]) => pauseReminderMessage(timer, state, naming, now),
    );
  });

  it('the end and the reminders of a bulk pause, one message for many keys', () => {
    const when = fc.integer({ min: 0, max: 7_258_118_400_000 });
    property(
      fc.tuple(
        fc.array(fc.record({ timer: timerArb, outcome: outcomeArb }), { maxLength: 600 }),
        namingArb,
        when,
      ),
      ([ended, naming, now]) => timedResumesMessage(ended, naming, now),
    );
    property(
      fc.tuple(
        fc.array(fc.record({ timer: timerArb, state: stateArb }), { maxLength: 600 }),
        namingArb,
        when,
      ),
      ([stillPaused, naming, now]) => pauseRemindersMessage(stillPaused, naming, now),
    );
  });

  it('whoami and can', () => {
    property(fc.tuple(fc.array(grantArb, { maxLength: 60 }), fc.boolean()), ([grants, uncertain]) =>
      whoamiMessage(grants, uncertain),
    );
    property(
      fc.tuple(
        actionArb,
        refArb,
        fc.oneof(
          fc.record({
            kind: fc.constant('allowed' as const),
            grantedBy: hostileText(5000),
            approval: fc.option(fc.record({ rule: hostileText(5000), expiresMs: fc.nat() }), {
              nil: undefined,
            }),
          }),
          fc.record({ kind: fc.constant('refused' as const), refusal: accessRefusalArb }),
        ) as fc.Arbitrary<Authorization>,
        namingArb,
      ),
      ([action, target, decision, naming]) => canMessage(action, target, decision, naming),
    );
  });

  it('finds a message Slack refuses (the check can fail)', () => {
    expect(() =>
      accepted({
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '&'.repeat(3001) } }],
      }),
    ).toThrow(/invalid_blocks/);
  });
});

describe('bulk action messages fit what Slack accepts, however many keys and whatever they are called', () => {
  const patternArb: fc.Arbitrary<KeyPattern> = fc.record({
    environments: fc.array(environmentArb, { minLength: 1, maxLength: 5 }),
    pattern: keyArb,
    all: fc.boolean(),
  });
  const bulkChangeArb: fc.Arbitrary<Change> = changeArb.map((pending) => changeOf(pending));
  const resultArb: fc.Arbitrary<BulkKeyResult> = fc.oneof(
    fc.constant<BulkKeyResult>({ kind: 'pending' }),
    fc.record({
      kind: fc.constant('done' as const),
      approvedBy: fc.option(userArb, { nil: undefined }),
      paused: fc.option(fc.boolean(), { nil: undefined }),
      waitlist: fc.option(countArb, { nil: undefined }),
    }),
    errorFieldsArb.map((error): BulkKeyResult => ({ kind: 'failed', error: error.kind })),
    refusalArb.map((refusal): BulkKeyResult => ({ kind: 'refused', refusal })),
    fc.record({
      kind: fc.constant('awaiting_approval' as const),
      approvalId: fc.uuid(),
      rule: hostileText(200),
      expiresAt: dateArb.map((date) => date.getTime()),
    }),
    userArb.map((by): BulkKeyResult => ({ kind: 'rejected', by })),
    fc.constant<BulkKeyResult>({ kind: 'expired' }),
  );
  // Up to 600 keys: more than a summary can list, so the "…and N more" lines are exercised.
  const batchArb: fc.Arbitrary<BulkBatch> = fc.record({
    id: fc.uuid(),
    requestId: fc.uuid(),
    actorId: userArb,
    channelId: fc.constant('CINCIDENTS'),
    change: bulkChangeArb,
    pattern: patternArb,
    keys: fc.array(fc.record({ target: refArb, result: resultArb }), { maxLength: 600 }),
    createdAt: fc.nat(),
    approval: fc.option(
      fc.record({
        decision: fc.option(
          fc.record({ kind: fc.constantFrom('approved' as const, 'rejected' as const), by: userArb }),
          { nil: undefined },
        ),
      }),
      { nil: undefined },
    ),
  });
  const verdictArb: fc.Arbitrary<PreviewKey['verdict']> = fc.oneof(
    fc.constant({ kind: 'allowed' as const }),
    hostileText(200).map((rule) => ({ kind: 'needs_approval' as const, rule })),
    refusalArb.map((refusal) => ({ kind: 'refused' as const, refusal })),
  );
  const previewArb = fc.record({
    kind: fc.constant('proposed' as const),
    keys: fc.array(fc.record({ target: refArb, state: stateArb, verdict: verdictArb }), { maxLength: 600 }),
    proposal: fc.option(
      fc.record({
        id: fc.uuid(),
        actorId: userArb,
        channelId: fc.constant('CINCIDENTS'),
        change: bulkChangeArb,
        pattern: patternArb,
        targets: fc.constant([]),
        units: fc.nat(),
        createdAt: fc.nat(),
      }),
      { nil: undefined },
    ),
    unreadable: fc.array(fc.record({ environment: environmentArb, error: errorArb }), { maxLength: 5 }),
    expiresInMs: fc.nat(),
  });

  it('preview, nothing to preview, summary and approval card', () => {
    property(
      fc.tuple(previewArb, patternArb, bulkChangeArb, namingArb),
      ([preview, pattern, change, naming]) => bulkPreviewMessage(preview, pattern, change, naming),
    );
    property(
      fc.tuple(
        fc.oneof(
          fc.constant({ kind: 'no_match' as const, unreadable: [] }),
          fc.constant({ kind: 'none_visible' as const, unreadable: [] }),
          errorArb.map((error) => ({ kind: 'failed' as const, error })),
          fc.record({
            kind: fc.constant('too_many' as const),
            count: countArb,
            max: countArb,
            limit: fc.constantFrom('policy' as const, 'ramps' as const, 'rate' as const),
          }),
        ),
        patternArb,
        bulkChangeArb,
        namingArb,
      ),
      ([preview, pattern, change, naming]) => bulkNothingMessage(preview, pattern, change, naming),
    );
    property(fc.tuple(batchArb, namingArb), ([batch, naming]) => bulkSummaryMessage(batch, naming));
    property(fc.tuple(batchArb, namingArb), ([batch, naming]) => bulkApprovalCard(batch, naming));
  });
});

/**
 * A view as it leaves for Slack (`outboundView`: views.publish, views.open, views.update): the strict views
 * check (100 blocks, every Block Kit limit) takes it, and no outside text in it is live markup.
 */
function acceptedView(view: { blocks: readonly unknown[] }, surface: ViewSurface): void {
  const sent = outboundView(view);
  const problem = checkView(sent, surface);
  if (problem !== undefined)
    throw new Error(`Slack would refuse this ${surface}: ${JSON.stringify(problem).slice(0, 1000)}`);
  for (const text of mrkdwnTexts({ text: '', blocks: sent.blocks as SlackMessage['blocks'] })) {
    const live = LIVE_HOSTILE.exec(text);
    if (live) throw new Error(`outside text became live markup (${live[0]}): ${text.slice(0, 2000)}`);
    for (const markup of text.match(/<[^<>]*>/g) ?? [])
      if (!OWN_MARKUP.test(markup)) throw new Error(`markup that is not Flowbot's own: ${markup}`);
  }
}

describe('views (the Home tab, the Flow control modal) fit what Slack accepts, whatever goes in', () => {
  const homeArb = fc.record({
    userId: userArb,
    grants: fc.array(grantArb, { maxLength: 12 }),
    uncertain: fc.boolean(),
    hasAccess: fc.boolean(),
    attention: fc.array(fc.record({ ref: refArb, state: stateArb }), { maxLength: 120 }),
    visibleCount: countArb,
    pausedCount: countArb,
    environments: fc.array(
      fc.record({
        environment: environmentArb,
        fetchedAt: fc.option(at, { nil: undefined }),
        error: fc.option(errorArb, { nil: undefined }),
      }),
      { maxLength: 5 },
    ),
    ramps: fc.array(rampArb, { maxLength: 30 }),
    timedPauses: fc.array(timerArb, { maxLength: 30 }),
    approvals: fc.array(approvalArb, { maxLength: 30 }),
    ownRequests: fc.array(approvalArb, { maxLength: 10 }),
    recent: fc.array(
      fc.record({
        at,
        actorId: userArb,
        action: actionArb,
        target: refArb,
        source: hostileText(100),
        approvedBy: fc.option(userArb, { nil: undefined }),
        reason: fc.option(hostileText(2000), { nil: undefined }),
      }),
      { maxLength: 30 },
    ),
    at,
  });

  it('the Home tab: hostile keys, reasons, rules and QStash errors, as many as there are', () => {
    fc.assert(
      fc.property(homeArb, namingArb, (snapshot, naming) => {
        acceptedView(homeView(snapshot, naming), 'home');
      }),
      { ...RUNS, numRuns: 60 },
    );
  });

  it('the Flow control modal, for every action, prefilled with hostile keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MODAL_ACTIONS),
        fc.option(fc.record({ ref: refArb, state: maybeState }), { nil: undefined }),
        fc.array(hostileText(300), { maxLength: 40 }),
        fc.boolean(),
        namingArb,
        (action, key, alsoFound, nothingFound, naming) => {
          acceptedView(
            flowControlModal(
              { action, ...(key ? { key } : {}), alsoFound, nothingFound },
              { origin: 'message', channelId: 'C0INCIDENTS' },
              naming,
            ),
            'modal',
          );
        },
      ),
      RUNS,
    );
    acceptedView(noAccessModal('U0123'), 'modal');
  });
});
