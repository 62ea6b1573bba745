import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { parseStepInputs, type StepInputs, type StepKind } from '../../../core/commands/step-inputs.js';
import type { Change } from '../../../core/operations/change.js';
import type { FlowKeyState } from '../../../core/qstash/types.js';
import { WORKFLOW_STEPS } from '../../blocks/surface-ids.js';
import {
  outputsRefused,
  plainState,
  stepErrorForChange,
  stepErrorForRead,
  stepInputError,
  stepTimedOut,
  unknownStep,
} from '../../blocks/workflow.js';
import { noResponseUrl, type SlackRequest, slackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { decodeSlackText } from '../../text-in.js';

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
 * workflow (its `user` input), through the same pipeline as their own command (`operations.change`, source
 * `workflow`: policy, rate limit, approval rules, audit). There is no confirmation (whoever built the workflow
 * chose the step), and a change that needs a second person's approval is refused by core (a workflow run
 * can't wait for a card): the step ends with an error saying so. Every execution ends in
 * `functions.completeSuccess` or `functions.completeError`, within `workflowStepTimeoutMs` however QStash
 * behaves; a retried delivery of the same execution acts once.
 */
export function flowStep(services: Services, kind: StepKind) {
  return async ({ inputs, complete, fail, event, body }: Args): Promise<void> => {
    const executionId = event.function_execution_id;
    void services.work.run(async () => {
      const result = await decide(services, kind, inputs, executionId, body);
      if (result === undefined) return;
      try {
        if (result.kind === 'success') await complete({ outputs: result.outputs });
        else await fail({ error: result.error });
      } catch (error) {
        services.onSlackError?.(
          result.kind === 'success' ? 'functions.completeSuccess' : 'functions.completeError',
          'failed',
        );
        services.logger.error(
          { err: error, execution: executionId },
          'could not tell Slack how a workflow step ended',
        );
        // Outputs Slack refused still end the step, as an error rather than never.
        if (result.kind === 'success') await fail({ error: outputsRefused() }).catch(() => {});
      }
    });
  };
}

/**
 * Steps of Flowbot's app this version doesn't have end at once with an error, rather than hanging until
 * Slack gives up on them.
 */
export function unknownStepListener(services: Services) {
  return async ({
    event,
    client,
  }: SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs): Promise<void> => {
    const callbackId = event.function?.callback_id ?? '';
    if (Object.hasOwn(STEP_KINDS, callbackId)) return;
    const token = event.bot_access_token;
    void services.work.run(async () => {
      try {
        await (client as WebClient).functions.completeError({
          function_execution_id: event.function_execution_id,
          error: unknownStep(callbackId),
          ...(token ? { token } : {}),
        });
      } catch (error) {
        services.logger.warn({ err: error }, 'could not end a workflow step Flowbot does not have');
      }
    });
  };
}

/** The step inputs people type (or fill from a message's text): text as Slack sends it. */
const TEXT_INPUTS = ['key', 'reason'] as const;

/**
 * The inputs with their texts decoded from Slack's encoding (`decodeSlackText`, the one decoder every text
 * input uses): a key filled in from a message reads `tenant&amp;eu`, meaning `tenant&eu`. Anything else (the
 * user, minutes) passes as it came; a shape that is no object is left for the parser to refuse.
 */
function decodedInputs(rawInputs: unknown): unknown {
  if (rawInputs === null || typeof rawInputs !== 'object' || Array.isArray(rawInputs)) return rawInputs;
  const inputs: Record<string, unknown> = Object.fromEntries(Object.entries(rawInputs));
  for (const name of TEXT_INPUTS) {
    const value = inputs[name];
    if (typeof value === 'string') inputs[name] = decodeSlackText(value);
  }
  return inputs;
}

async function decide(
  services: Services,
  kind: StepKind,
  rawInputs: unknown,
  executionId: string,
  body: unknown,
): Promise<Result | undefined> {
  const parsed = parseStepInputs(kind, decodedInputs(rawInputs), services.environments);
  const request = slackRequest(services, {
    // Who the step runs as: known only once the inputs are read (an unreadable user is recorded as such).
    actorId: parsed.kind === 'ok' ? parsed.inputs.userId : (parsed.actorId ?? 'unknown'),
    // The event carries no team for the step's user: the workflow's workspace (the envelope's) stands for it.
    body,
    channelId: undefined,
    source: 'workflow',
    // A step has no response_url and says nothing in Slack itself: its end is completeSuccess / completeError.
    respond: noResponseUrl,
  });
  if (parsed.kind === 'invalid') {
    services.operations.recordInvalid({
      ...request.asking,
      action: kind === 'get' ? 'status' : kind,
      problem: parsed.problem.code,
    });
    return { kind: 'error', error: stepInputError(parsed.problem) };
  }
  const { inputs } = parsed;
  const timeoutMs = services.surfaces.workflowStepTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const work = run(services, request, kind, inputs, executionId);
  // A step that outlives the bound still finishes (and is audited); only its answer to Slack is given now.
  const result = await Promise.race([work, late]);
  clearTimeout(timer);
  if (result === 'late') {
    void work.catch((error: unknown) => request.logger.warn({ err: error }, 'a late workflow step failed'));
    const action = kind === 'get' ? 'status' : kind;
    return {
      kind: 'error',
      error: stepTimedOut(action, inputs.target, Math.round(timeoutMs / 1000), services.naming),
    };
  }
  return result;
}

async function run(
  services: Services,
  request: SlackRequest,
  kind: StepKind,
  inputs: StepInputs,
  executionId: string,
): Promise<Result | undefined> {
  if (kind === 'get') {
    const outcome = await services.operations.status({ ...request.asking, target: inputs.target });
    if (outcome.kind !== 'ok')
      return { kind: 'error', error: stepErrorForRead(outcome, inputs.target, services.naming) };
    return { kind: 'success', outputs: stateOutputs(outcome.value) };
  }
  const change: Change =
    kind === 'resume'
      ? { action: 'resume' }
      : {
          action: 'pause',
          ...(inputs.reason ? { reason: inputs.reason } : {}),
          ...(inputs.minutes ? { forMs: inputs.minutes * 60_000 } : {}),
        };
  // Slack may deliver an execution again; the change is made once.
  const outcome = await services.operations.change(
    request.change(inputs.target, change, { onceId: `workflow:${executionId}` }),
  );
  // Another delivery of this execution is acting; it will end the step.
  if (outcome.kind === 'duplicate') return undefined;
  if (outcome.kind !== 'done') return { kind: 'error', error: stepErrorForChange(outcome, services.naming) };
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
