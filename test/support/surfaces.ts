import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { FunctionExecution, FunctionParameter, SlackView } from '../../stand-ins/fake-slack.js';
import {
  appHomeOpenedEvent,
  blockSuggestionPayload,
  eventCallbackBody,
  functionExecutedEvent,
  interactiveBody,
  messageActionPayload,
  type PostResult,
  postToSlackEndpoint,
  shortcutPayload,
  type ViewStateValue,
  viewActionPayload,
  viewSubmissionPayload,
} from '../../stand-ins/slack-request.js';
import { checkOptionsAnswer } from '../../stand-ins/slack-views.js';
import { ALLOWED_USER, CHANNEL, type Harness, SIGNING_SECRET } from './flowbot-harness.js';

/** Every input block of the Flow control modal: an inline error names one of these, nothing else. */
export const MODAL_BLOCK_IDS: ReadonlySet<string> = new Set([
  'flow_key',
  'flow_action',
  'flow_channel',
  'flow_reason',
  'flow_for',
  'flow_parallelism',
  'flow_rate',
  'flow_period',
  'flow_unpin',
  'flow_ramp_mode',
  'flow_ramp_from',
  'flow_ramp_over',
]);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
  functions: Record<
    string,
    { output_parameters: { properties: Record<string, { type: string }>; required?: string[] } }
  >;
};

/** A function's output parameters as Slack describes them in `function_executed`, from manifest.yml. */
export function outputParameters(callbackId: string): FunctionParameter[] {
  const definition = manifest.functions[callbackId];
  if (!definition) return [];
  const required = definition.output_parameters.required ?? [];
  return Object.entries(definition.output_parameters.properties).map(([name, parameter]) => ({
    name,
    type: parameter.type,
    is_required: required.includes(name),
  }));
}

/** What the Flow control modal's inputs hold, as a person fills them in. */
export interface FormInput {
  key?: string;
  action?: string;
  channel?: string;
  reason?: string;
  duration?: string;
  parallelism?: string;
  rate?: string;
  period?: string;
  unpin?: string;
  rampMode?: string;
  rampFrom?: string;
  rampOver?: string;
}

function option(value: string) {
  return { text: { type: 'plain_text' as const, text: value }, value };
}

/** `view.state.values` for the Flow control modal, each input in Slack's shape for its element. */
export function formValues(input: FormInput): Record<string, Record<string, ViewStateValue>> {
  const values: Record<string, Record<string, ViewStateValue>> = {};
  const set = (id: string, value: ViewStateValue) => {
    values[id] = { [id]: value };
  };
  set('flow_key', {
    type: 'external_select',
    selected_option: input.key === undefined ? null : option(input.key),
  });
  set('flow_action', {
    type: 'static_select',
    selected_option: input.action === undefined ? null : option(input.action),
  });
  set('flow_channel', { type: 'conversations_select', selected_conversation: input.channel ?? null });
  const texts: [string, string | undefined][] = [
    ['flow_reason', input.reason],
    ['flow_for', input.duration],
    ['flow_period', input.period],
    ['flow_ramp_over', input.rampOver],
  ];
  for (const [id, value] of texts) if (value !== undefined) set(id, { type: 'plain_text_input', value });
  const numbers: [string, string | undefined][] = [
    ['flow_parallelism', input.parallelism],
    ['flow_rate', input.rate],
    ['flow_ramp_from', input.rampFrom],
  ];
  for (const [id, value] of numbers) if (value !== undefined) set(id, { type: 'number_input', value });
  if (input.unpin !== undefined)
    set('flow_unpin', { type: 'radio_buttons', selected_option: option(input.unpin) });
  if (input.rampMode !== undefined)
    set('flow_ramp_mode', { type: 'static_select', selected_option: option(input.rampMode) });
  return values;
}

/** Drives Flowbot's Slack surfaces through the real door, signed as Slack signs them. */
export function surfaces(h: Harness) {
  const post = (body: string, json = false): Promise<PostResult> =>
    postToSlackEndpoint(h.url, SIGNING_SECRET, body, json ? { contentType: 'application/json' } : {});

  return {
    /** `app_home_opened` (Events API, JSON); `teamId`: the workspace the event comes from. */
    homeOpened(user = ALLOWED_USER, tab: 'home' | 'messages' = 'home', teamId?: string): Promise<PostResult> {
      return post(eventCallbackBody(appHomeOpenedEvent(user, tab), teamId ? { teamId } : {}), true);
    },

    /** The next `views.publish` for this person whose view passes `predicate`. */
    async waitForHome(
      user: string,
      predicate: (view: { blocks: unknown[] }) => boolean = () => true,
      timeoutMs = 8_000,
    ) {
      const call = await h.slack.waitForCall(
        'views.publish',
        (c) => c.params.user_id === user && predicate(c.params.view as { blocks: unknown[] }),
        timeoutMs,
      );
      return call.params.view as { type: string; blocks: unknown[] };
    },

    /** The global shortcut; resolves with the ack and the modal Flowbot opened (or undefined if none in time). */
    async shortcut(user = ALLOWED_USER, userTeamId?: string): Promise<{ ack: PostResult; view: SlackView }> {
      const triggerId = h.slack.triggerId(user);
      const ack = await post(
        interactiveBody(
          shortcutPayload({
            userId: user,
            callbackId: 'flow_control',
            triggerId,
            ...(userTeamId ? { userTeamId } : {}),
          }),
        ),
      );
      const view = await openedWith(h, triggerId);
      return { ack, view };
    },

    /** The message shortcut on a message (text, blocks, attachments…) in a channel. */
    async messageShortcut(
      message: Record<string, unknown>,
      options: { user?: string; channel?: string; userTeamId?: string } = {},
    ): Promise<{ ack: PostResult; view: SlackView; responseUrl: string }> {
      const user = options.user ?? ALLOWED_USER;
      const channel = options.channel ?? CHANNEL;
      const triggerId = h.slack.triggerId(user);
      const responseUrl = h.slack.responseUrl({ channel, user });
      const ack = await post(
        interactiveBody(
          messageActionPayload({
            userId: user,
            channelId: channel,
            callbackId: 'flow_message_action',
            triggerId,
            responseUrl,
            message,
            ...(options.userTeamId ? { userTeamId: options.userTeamId } : {}),
          }),
        ),
      );
      const view = await openedWith(h, triggerId);
      return { ack, view, responseUrl };
    },

    /** Typing in the key picker: the options Flowbot answers in its acknowledgement. */
    async suggest(
      value: string,
      options: { user?: string; view?: SlackView; actionId?: string; userTeamId?: string } = {},
    ): Promise<
      PostResult & { options: { text: { text: string }; value: string; description?: { text: string } }[] }
    > {
      const result = await post(
        interactiveBody(
          blockSuggestionPayload({
            userId: options.user ?? ALLOWED_USER,
            ...(options.userTeamId ? { userTeamId: options.userTeamId } : {}),
            actionId: options.actionId ?? 'flow_key',
            value,
            view: options.view
              ? { ...viewWire(options.view), state: { values: {} } }
              : { id: 'V0NOVIEW', type: 'modal' },
          }),
        ),
      );
      const parsed = result.body === '' ? {} : JSON.parse(result.body);
      // Slack shows an empty menu for an answer it can't use: a test must hear about it.
      const problems = checkOptionsAnswer(parsed);
      if (problems.length > 0) throw new Error(`Slack would not show these options: ${problems.join('; ')}`);
      return { ...result, options: parsed.options };
    },

    /** Submits the modal with these inputs; the channel's response_url is where Flowbot answers. */
    async submit(
      view: SlackView,
      input: FormInput,
      options: { user?: string; userTeamId?: string } = {},
    ): Promise<PostResult & { responseUrl: string; ackBody: Record<string, any> }> {
      const user = options.user ?? view.user;
      const channel = input.channel ?? CHANNEL;
      const responseUrl = h.slack.responseUrl({ channel, user });
      const result = await post(
        interactiveBody(
          viewSubmissionPayload({
            userId: user,
            ...(options.userTeamId ? { userTeamId: options.userTeamId } : {}),
            view: viewWire(view),
            values: formValues({ ...input, channel }),
            responseUrls: [
              {
                block_id: 'flow_channel',
                action_id: 'flow_channel',
                channel_id: channel,
                response_url: responseUrl,
              },
            ],
          }),
        ),
      );
      return { ...result, responseUrl, ackBody: result.body === '' ? {} : JSON.parse(result.body) };
    },

    /** Chooses an action in the modal's menu (a `block_actions` from the view). */
    chooseAction(
      view: SlackView,
      action: string,
      input: FormInput = {},
      user = view.user,
    ): Promise<PostResult> {
      return post(
        interactiveBody(
          viewActionPayload({
            userId: user,
            view: viewWire(view),
            action: {
              type: 'static_select',
              action_id: 'flow_action',
              block_id: 'flow_action',
              selected_option: option(action),
            },
            values: formValues({ ...input, action }),
          }),
        ),
      );
    },

    /** A click on a button in a view (the Home tab): no channel, no response_url. */
    clickInView(
      view: SlackView,
      actionId: string,
      value: string,
      user = view.user,
      userTeamId?: string,
    ): Promise<PostResult> {
      return post(
        interactiveBody(
          viewActionPayload({
            userId: user,
            ...(userTeamId ? { userTeamId } : {}),
            view: viewWire(view),
            action: {
              type: 'button',
              action_id: actionId,
              block_id: 'b',
              value,
              text: { type: 'plain_text', text: 'x' },
            },
            triggerId: h.slack.triggerId(user),
          }),
        ),
      );
    },

    /** Runs a Workflow Builder step: returns the execution once Flowbot ended it (success or error). */
    async step(
      callbackId: string,
      inputs: Record<string, unknown>,
      timeoutMs = 10_000,
      teamId?: string,
    ): Promise<FunctionExecution> {
      const execution = h.slack.startFunctionExecution(callbackId, outputParameters(callbackId));
      const body = eventCallbackBody(
        functionExecutedEvent({
          callbackId,
          functionExecutionId: execution.functionExecutionId,
          botAccessToken: execution.botAccessToken,
          inputs,
          outputParameters: outputParameters(callbackId),
        }),
        teamId ? { teamId } : {},
      );
      const finished = ended(h, execution.functionExecutionId, timeoutMs);
      const ack = await post(body, true);
      if (ack.status !== 200) throw new Error(`function_executed was answered ${ack.status}`);
      return finished;
    },
  };
}

/**
 * Waits for the modal opened with this trigger. The fake Slack records a call before answering it (in the
 * same turn), so its answer is read once the waiter wakes.
 */
async function openedWith(h: Harness, triggerId: string): Promise<SlackView> {
  const call = await h.slack.waitForCall('views.open', (c) => c.params.trigger_id === triggerId);
  const id = (call.response?.view as { id: string } | undefined)?.id;
  if (id === undefined) throw new Error(`views.open was refused: ${JSON.stringify(call.response)}`);
  return h.slack.view(id)!;
}

/** A stored view as Slack puts it in payloads. */
function viewWire(view: SlackView): Record<string, unknown> & { id: string; type: string } {
  const { user: _user, closed: _closed, ...rest } = view;
  return { ...rest, team_id: 'T0001', app_id: 'A123456' };
}

/** Resolves once the execution has ended (completed or failed), as the fake Slack recorded it. */
export function ended(h: Harness, id: string, timeoutMs = 10_000): Promise<FunctionExecution> {
  return new Promise((resolve, reject) => {
    const current = h.slack.functionExecution(id);
    if (current && current.status !== 'running') {
      resolve(current);
      return;
    }
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`workflow step ${id} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = h.slack.onChange((change) => {
      if (change.type !== 'function_completed' || change.execution.functionExecutionId !== id) return;
      clearTimeout(timer);
      stop();
      resolve(change.execution);
    });
  });
}
