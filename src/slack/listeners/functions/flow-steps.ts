import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { recordInvalidInput } from '../../../core/audit.js';
import type { Outcome } from '../../../core/operations/outcome.js';
import type { FlowKeyState } from '../../../core/qstash/types.js';
import { WORKFLOW_STEPS } from '../../blocks/surface-ids.js';
import {
  plainState,
  stepErrorForChange,
  stepErrorForRead,
  stepInputError,
  stepTimedOut,
  unknownStep,
} from '../../blocks/workflow.js';
import type { ListenerContext } from '../../context.js';
import { parseStepInputs, type StepInputs, type StepKind } from './step-inputs.js';

type Args = SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs;
type Outputs = Record<string, string | number | boolean>;
type Result =
  | { readonly kind: 'success'; readonly outputs: Outputs }
  | { readonly kind: 'error'; readonly error: string };

const STEP_KINDS: Readonly<Record<string, StepKind>> = {
  [WORKFLOW_STEPS.resume]: 'resume',
  [WORKFLOW_STEPS.pause]: 'pause',
  [WORKFLOW_STEPS.get]: 'get',
};

/**
 * A Workflow Builder step (`resume_flow_key`, `pause_flow_key`, `get_flow_key`): runs as the person who ran the
 * workflow, through the same operations as their own command (policy, rate limit, approval rules, audit;
 * source `workflow`). There is no confirmation (whoever built the workflow chose the step), and a change
 * that needs a second person's approval is not made: the step ends with an error saying so. Every execution
 * ends in `functions.completeSuccess` or `functions.completeError`, within `workflowStepTimeoutMs` however
 * QStash behaves; a retried delivery of the same execution acts once.
 */
export function flowStep(context: ListenerContext, kind: StepKind) {
  return async ({ inputs, complete, fail, event }: Args): Promise<void> => {
    const executionId = event.function_execution_id;
    void context.work.run(async () => {
      const result = await decide(context, kind, inputs, executionId);
      if (result === undefined) return;
      try {
        if (result.kind === 'success') await complete({ outputs: result.outputs });
        else await fail({ error: result.error });
      } catch (error) {
        context.onSlackError?.(
          result.kind === 'success' ? 'functions.completeSuccess' : 'functions.completeError',
          'failed',
        );
        context.logger.error(
          { err: error, execution: executionId },
          'could not tell Slack how a workflow step ended',
        );
        // Outputs Slack refused still end the step, as an error rather than never.
        if (result.kind === 'success')
          await fail({
            error: 'Flowbot did the step but Slack refused its outputs; check the key’s state.',
          }).catch(() => {});
      }
    });
  };
}

/**
 * Steps of Flowbot's app this version doesn't have end at once with an error, rather than hanging until
 * Slack gives up on them.
 */
export function unknownStepListener(context: ListenerContext) {
  return async ({
    event,
    client,
  }: SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs): Promise<void> => {
    const callbackId = event.function?.callback_id ?? '';
    if (Object.hasOwn(STEP_KINDS, callbackId)) return;
    const token = event.bot_access_token;
    void context.work.run(async () => {
      try {
        await (client as WebClient).functions.completeError({
          function_execution_id: event.function_execution_id,
          error: unknownStep(callbackId),
          ...(token ? { token } : {}),
        });
      } catch (error) {
        context.logger.warn({ err: error }, 'could not end a workflow step Flowbot does not have');
      }
    });
  };
}

async function decide(
  context: ListenerContext,
  kind: StepKind,
  rawInputs: unknown,
  executionId: string,
): Promise<Result | undefined> {
  const parsed = parseStepInputs(kind, rawInputs, context.environments);
  if (!parsed.ok) {
    const actor = (rawInputs as { user?: { id?: unknown } } | undefined)?.user?.id;
    recordInvalidInput(
      context.audit,
      {
        actor: typeof actor === 'string' ? actor.slice(0, 40) : 'unknown',
        action: kind === 'get' ? 'status' : kind,
        channel: undefined,
        source: 'workflow',
      },
      parsed.problem,
    );
    return { kind: 'error', error: stepInputError(parsed.problem) };
  }
  const { inputs } = parsed;
  const timeoutMs = context.surfaces.workflowStepTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const work = run(context, kind, inputs, executionId);
  // A step that outlives the bound still finishes (and is audited); only its answer to Slack is given now.
  const result = await Promise.race([work, late]);
  clearTimeout(timer);
  if (result === 'late') {
    void work.catch(() => {});
    const action = kind === 'get' ? 'status' : kind;
    return {
      kind: 'error',
      error: stepTimedOut(action, inputs.target, Math.round(timeoutMs / 1000), context.naming),
    };
  }
  return result;
}

async function run(
  context: ListenerContext,
  kind: StepKind,
  inputs: StepInputs,
  executionId: string,
): Promise<Result | undefined> {
  const request = {
    actorId: inputs.userId,
    target: inputs.target,
    channelId: undefined,
    source: 'workflow',
    // Slack may deliver an execution again; the change is made once.
    onceId: `workflow:${executionId}`,
  };
  if (kind === 'get') {
    const outcome = await context.operations.status(request);
    if (outcome.kind !== 'ok')
      return { kind: 'error', error: stepErrorForRead(outcome, inputs.target, context.naming) };
    return { kind: 'success', outputs: stateOutputs(outcome.value) };
  }
  const outcome: Outcome =
    kind === 'resume'
      ? await context.operations.resume(request)
      : await context.operations.pause({
          ...request,
          ...(inputs.reason ? { reason: inputs.reason } : {}),
          ...(inputs.minutes ? { resumeAfterMs: inputs.minutes * 60_000 } : {}),
        });
  // Another delivery of this execution is acting; it will end the step.
  if (outcome.kind === 'duplicate') return undefined;
  if (outcome.kind !== 'done') return { kind: 'error', error: stepErrorForChange(outcome, context.naming) };
  const after = outcome.after;
  const outputs: Outputs = {
    paused: kind === 'pause',
    state: after ? plainState(after) : kind === 'pause' ? 'paused' : 'delivering',
    ...(after ? { waitlist: after.waitlistSize } : {}),
  };
  if (kind === 'resume') outputs.released = outcome.before?.paused ? outcome.before.waitlistSize : 0;
  if (kind === 'pause' && outcome.resumeAt) outputs.resume_at = Math.floor(outcome.resumeAt.getTime() / 1000);
  return { kind: 'success', outputs };
}

function stateOutputs(state: FlowKeyState): Outputs {
  return {
    paused: state.paused,
    waitlist: state.waitlistSize,
    state: plainState(state),
    parallelism_count: state.parallelismCount,
    rate_count: state.rateCount,
    pinned_parallelism: state.pinnedParallelism,
    pinned_rate: state.pinnedRate,
    ...(state.parallelismMax !== undefined ? { parallelism_max: state.parallelismMax } : {}),
    ...(state.rateMax !== undefined ? { rate_max: state.rateMax } : {}),
    ...(state.ratePeriod !== undefined ? { rate_period_seconds: state.ratePeriod } : {}),
  };
}
