import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_WAIT_MS } from './waiters.js';

/**
 * Builds and signs inbound Slack requests (slash commands, button clicks) the way Slack does,
 * for driving the bot's HTTP endpoint in tests.
 */

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': 'application/x-www-form-urlencoded';
  [header: string]: string;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function slackSignature(signingSecret: string, rawBody: string, timestampSeconds: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}

/** The content-type is exact on purpose: Bolt answers 400 when a charset is appended. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): SlackSignatureHeaders {
  return {
    'x-slack-signature': slackSignature(signingSecret, rawBody, timestampSeconds),
    'x-slack-request-timestamp': String(timestampSeconds),
    'content-type': 'application/x-www-form-urlencoded',
  };
}

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  enterprise_id: string;
  enterprise_name: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  response_url: string;
  trigger_id: string;
  api_app_id: string;
}

const SLASH_DEFAULTS: Partial<SlashCommandFields> = {
  token: 'gIkuvaNzQIHg97ATvDxqgjtO',
  team_id: 'T0001',
  team_domain: 'example',
  channel_id: 'C2147483705',
  channel_name: 'test',
  user_id: 'U2147483697',
  user_name: 'Steve',
  command: '/flowbot',
  text: '',
  response_url: 'https://hooks.slack.com/commands/1234/5678',
  trigger_id: '13345224609.738474920.8088930838d88f008e0',
  api_app_id: 'A123456',
};

/**
 * Form body in the field order of Slack's documented example. An override of `undefined` drops the field;
 * unknown extra fields are appended.
 */
export function slashCommandBody(
  fields: Partial<Record<keyof SlashCommandFields, string | undefined>> &
    Record<string, string | undefined> = {},
): string {
  const merged: Record<string, string | undefined> = { ...SLASH_DEFAULTS };
  for (const [name, value] of Object.entries(fields)) merged[name] = value;
  const order = [
    'token',
    'team_id',
    'team_domain',
    'enterprise_id',
    'enterprise_name',
    'channel_id',
    'channel_name',
    'user_id',
    'user_name',
    'command',
    'text',
    'response_url',
    'trigger_id',
    'api_app_id',
  ];
  const names = [...order, ...Object.keys(merged).filter((n) => !order.includes(n))];
  const form = new URLSearchParams();
  for (const name of names) {
    const value = merged[name];
    if (value !== undefined) form.append(name, value);
  }
  return form.toString();
}

export interface BlockActionFields {
  userId: string;
  channelId: string;
  actionId: string;
  value: string;
  responseUrl: string;
  messageTs?: string;
  /** Merged over a default bot message; its `ts` wins over `messageTs`. */
  message?: Record<string, unknown>;
  blocks?: unknown[];
  blockId?: string;
  buttonText?: string;
  /** The workspace the payload comes from (`team.id`; default T0001, the fake Slack's own). */
  teamId?: string;
  /** The clicker's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
  /** The Enterprise Grid org (`enterprise: {id}`), absent by default. */
  enterpriseId?: string;
  userName?: string;
  channelName?: string;
  triggerId?: string;
  apiAppId?: string;
  actionTs?: string;
  /** Slack sends no `message` for clicks on ephemeral messages. */
  isEphemeral?: boolean;
}

/** Slack's `action_ts` is unique per click (microseconds): two clicks in the same second still differ. */
let clicks = 0;
function nextActionTs(): string {
  clicks = (clicks + 1) % 1_000_000;
  return `${nowSeconds()}.${String(clicks).padStart(6, '0')}`;
}

export function blockActionsPayload(f: BlockActionFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  const messageTs =
    (typeof f.message?.ts === 'string' ? f.message.ts : undefined) ?? f.messageTs ?? '1700000000.000100';
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    team: { id: teamId, domain: 'example' },
    ...(f.enterpriseId ? { enterprise: { id: f.enterpriseId, name: 'Globular Construct Inc' } } : {}),
    user: { id: f.userId, username: f.userName ?? 'jtorrance', team_id: f.userTeamId ?? teamId },
    api_app_id: f.apiAppId ?? 'A123456',
    token: '9s8d9as89d8as9d8as989',
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: f.channelId,
      is_ephemeral: f.isEphemeral ?? false,
    },
    trigger_id: f.triggerId ?? '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
    channel: { id: f.channelId, name: f.channelName ?? 'review-updates' },
    response_url: f.responseUrl,
    actions: [
      {
        action_id: f.actionId,
        block_id: f.blockId ?? '=qXel',
        text: { type: 'plain_text', text: f.buttonText ?? 'Button', emoji: true },
        value: f.value,
        type: 'button',
        action_ts: f.actionTs ?? nextActionTs(),
      },
    ],
  };
  if (!f.isEphemeral) {
    payload.message = {
      bot_id: 'BBOT',
      type: 'message',
      text: '...',
      user: 'UBOT',
      ts: messageTs,
      ...(f.blocks === undefined ? {} : { blocks: f.blocks }),
      ...f.message,
    };
  }
  return payload;
}

/** `payload=<urlencoded JSON>`, the form Slack posts for interactivity. */
export function blockActionsBody(fields: BlockActionFields): string {
  return new URLSearchParams({ payload: JSON.stringify(blockActionsPayload(fields)) }).toString();
}

export interface InteractiveMessageFields {
  userId: string;
  channelId: string;
  /** The clicked button's `name` and `value` (a legacy attachment action). */
  name: string;
  value: string;
  responseUrl: string;
  /** The attachment's `callback_id`, chosen by whoever posted the message. */
  callbackId?: string;
  messageTs?: string;
  /** The message as posted (text, attachments, blocks); Slack sends it back as `original_message`. */
  originalMessage?: Record<string, unknown>;
  /** Clicks on ephemeral messages carry no `original_message`. */
  isEphemeral?: boolean;
  attachmentId?: string;
  teamId?: string;
  /** The person's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
  triggerId?: string;
}

/**
 * A click on a legacy interactive button (`attachments[].actions[]`), in the shape of Slack's documented
 * `interactive_message` example ("Handling interaction payloads" for legacy interactive messages):
 * `actions: [{name, type, value}]`, `callback_id`, `team`, `channel`, `user: {id, name}`, `action_ts`,
 * `message_ts`, `attachment_id`, `token`, `original_message`, `response_url`, `trigger_id`.
 */
export function interactiveMessagePayload(f: InteractiveMessageFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  const messageTs = f.messageTs ?? '1700000000.000100';
  const payload: Record<string, unknown> = {
    type: 'interactive_message',
    actions: [{ name: f.name, type: 'button', value: f.value }],
    callback_id: f.callbackId ?? 'alertmanager',
    team: { id: teamId, domain: 'example' },
    channel: { id: f.channelId, name: 'review-updates' },
    user: { id: f.userId, name: 'brautigan', team_id: f.userTeamId ?? teamId },
    action_ts: `${nowSeconds()}.164398`,
    message_ts: messageTs,
    attachment_id: f.attachmentId ?? '1',
    token: 'xAB3yVzGS4BQ3O9FACTa8Ho4',
    is_app_unfurl: false,
    response_url: f.responseUrl,
    trigger_id: f.triggerId ?? '13345224609.738474920.8088930838d88f008e0',
  };
  if (!f.isEphemeral)
    payload.original_message = {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'BBOT',
      user: 'UBOT',
      ts: messageTs,
      text: '',
      ...f.originalMessage,
    };
  return payload;
}

export function interactiveMessageBody(fields: InteractiveMessageFields): string {
  return new URLSearchParams({ payload: JSON.stringify(interactiveMessagePayload(fields)) }).toString();
}

export interface PostOptions {
  /** Timestamp to sign with and send (unix seconds); defaults to now. */
  timestamp?: number;
  /** Sent instead of the correct signature. */
  signature?: string;
  path?: string;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface PostResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  elapsedMs: number;
}

export async function postToSlackEndpoint(
  baseUrl: string,
  signingSecret: string,
  rawBody: string,
  opts: PostOptions = {},
): Promise<PostResult> {
  const headers: Record<string, string> = { ...signSlackRequest(signingSecret, rawBody, opts.timestamp) };
  if (opts.signature !== undefined) headers['x-slack-signature'] = opts.signature;
  if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
  Object.assign(headers, opts.headers);
  const url = new URL(opts.path ?? '/slack/events', baseUrl);
  const started = performance.now();
  const { status, body, responseHeaders } = await post(
    url,
    headers,
    Buffer.from(rawBody, 'utf8'),
    AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_WAIT_MS),
  );
  return { status, body, headers: responseHeaders, elapsedMs: performance.now() - started };
}

/**
 * One POST on a connection of its own, as Slack's deliveries arrive. Reusing idle keep-alive connections
 * would race the server closing them (it does after 5 s idle), which a busy machine turns into ECONNRESET.
 * A timeout rejects with the signal's TimeoutError, as fetch does.
 */
function post(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  signal: AbortSignal,
): Promise<{ status: number; body: string; responseHeaders: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(signal.aborted ? signal.reason : error));
        res.on('end', () => {
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            responseHeaders,
          });
        });
      },
    );
    req.on('error', (error) => reject(signal.aborted ? signal.reason : error));
    req.end(body);
  });
}

/** A Slack user as interactive payloads name them. */
function userOf(userId: string, teamId: string, name = 'jtorrance'): Record<string, unknown> {
  return { id: userId, username: name, name, team_id: teamId };
}

/** `payload=<urlencoded JSON>` for any interactive payload. */
export function interactiveBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface BlockSuggestionFields {
  userId: string;
  actionId: string;
  blockId?: string;
  /** What the person has typed so far. */
  value: string;
  /** The view the menu is in (a modal); absent for a menu in a message. */
  view?: Record<string, unknown>;
  channelId?: string;
  teamId?: string;
  /** The person's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
}

/**
 * What Slack posts to the options load URL while someone types in an external select (`block_suggestion`),
 * in the shape of Slack's documented example: https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload
 */
export function blockSuggestionPayload(f: BlockSuggestionFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  const view = f.view;
  return {
    type: 'block_suggestion',
    user: userOf(f.userId, f.userTeamId ?? teamId),
    container: view
      ? { type: 'view', view_id: view.id }
      : { type: 'message', message_ts: '1700000000.000100', channel_id: f.channelId, is_ephemeral: false },
    api_app_id: 'A123456',
    token: '9s8d9as89d8as9d8as989',
    action_id: f.actionId,
    block_id: f.blockId ?? f.actionId,
    value: f.value,
    team: { id: teamId, domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    ...(view ? { view } : { channel: { id: f.channelId, name: 'incidents' } }),
  };
}

export interface ShortcutFields {
  userId: string;
  callbackId: string;
  triggerId: string;
  teamId?: string;
  /** The person's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
}

/** A global shortcut (`type: "shortcut"`): no channel, no message, a trigger_id to open a modal with. */
export function shortcutPayload(f: ShortcutFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  return {
    type: 'shortcut',
    token: '9s8d9as89d8as9d8as989',
    action_ts: `${nowSeconds()}.000100`,
    team: { id: teamId, domain: 'example' },
    user: { id: f.userId, username: 'jtorrance', team_id: f.userTeamId ?? teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: f.callbackId,
    trigger_id: f.triggerId,
  };
}

export interface MessageActionFields extends ShortcutFields {
  channelId: string;
  responseUrl: string;
  /** The message the shortcut was used on: `text`, `blocks`, `attachments`, `ts`, `user`/`bot_id`. */
  message: Record<string, unknown>;
}

/** A message shortcut (`type: "message_action"`): the message it was used on, its channel and a response_url. */
export function messageActionPayload(f: MessageActionFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  const ts = typeof f.message.ts === 'string' ? f.message.ts : '1700000000.000300';
  return {
    type: 'message_action',
    token: '9s8d9as89d8as9d8as989',
    action_ts: `${nowSeconds()}.000200`,
    team: { id: teamId, domain: 'example' },
    user: { id: f.userId, name: 'jtorrance', team_id: f.userTeamId ?? teamId },
    channel: { id: f.channelId, name: 'incidents' },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: f.callbackId,
    trigger_id: f.triggerId,
    response_url: f.responseUrl,
    message_ts: ts,
    message: { type: 'message', user: 'U0ALERTER', text: '', ts, ...f.message },
  };
}

/** One input's state as Slack reports it in `view.state.values[block_id][action_id]`. */
export type ViewStateValue =
  | { type: 'plain_text_input' | 'number_input'; value: string | null }
  | { type: 'static_select' | 'external_select' | 'radio_buttons'; selected_option: SelectedOption | null }
  | { type: 'conversations_select'; selected_conversation: string | null };

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
}

export interface ViewSubmissionFields {
  userId: string;
  /** The view as Flowbot opened it (as the fake Slack stored it): id, hash, callback_id, blocks… */
  view: Record<string, unknown>;
  values: Record<string, Record<string, ViewStateValue>>;
  /** For a conversations_select with `response_url_enabled`: where replies about the submission go. */
  responseUrls?: { block_id: string; action_id: string; channel_id: string; response_url: string }[];
  triggerId?: string;
  teamId?: string;
  /** The person's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
}

/** A modal's submission (`view_submission`), as Slack sends it. */
export function viewSubmissionPayload(f: ViewSubmissionFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  return {
    type: 'view_submission',
    team: { id: teamId, domain: 'example' },
    user: userOf(f.userId, f.userTeamId ?? teamId),
    api_app_id: 'A123456',
    token: '9s8d9as89d8as9d8as989',
    trigger_id: f.triggerId ?? `${nowSeconds()}.1.submission`,
    view: {
      team_id: teamId,
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      hash: '',
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: f.view.id,
      previous_view_id: null,
      app_id: 'A123456',
      external_id: '',
      bot_id: 'BBOT',
      ...f.view,
      state: { values: f.values },
    },
    response_urls: f.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface ViewActionFields {
  userId: string;
  /** The view the element is in (a modal or a Home tab), as stored by the fake Slack. */
  view: Record<string, unknown> & { id: string; type: string };
  /** The element's action as Slack reports it (a button: `value`; a select: `selected_option`). */
  action: Record<string, unknown> & { action_id: string; block_id: string; type: string };
  values?: Record<string, Record<string, ViewStateValue>>;
  triggerId?: string;
  teamId?: string;
  /** The person's own workspace (`user.team_id`): another one for a Slack Connect guest. Default `teamId`. */
  userTeamId?: string;
}

/** A click or a selection inside a view (`block_actions` with a view container: no channel, no response_url). */
export function viewActionPayload(f: ViewActionFields): Record<string, unknown> {
  const teamId = f.teamId ?? 'T0001';
  return {
    type: 'block_actions',
    team: { id: teamId, domain: 'example' },
    user: userOf(f.userId, f.userTeamId ?? teamId),
    api_app_id: 'A123456',
    token: '9s8d9as89d8as9d8as989',
    container: { type: 'view', view_id: f.view.id },
    trigger_id: f.triggerId ?? `${nowSeconds()}.2.view-action`,
    view: {
      team_id: teamId,
      app_id: 'A123456',
      bot_id: 'BBOT',
      ...f.view,
      state: { values: f.values ?? {} },
    },
    actions: [{ action_ts: `${nowSeconds()}.000300`, ...f.action }],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** An Events API request body (JSON): the event wrapped as Slack wraps it. */
export function eventCallbackBody(event: Record<string, unknown>, options: { teamId?: string } = {}): string {
  const teamId = options.teamId ?? 'T0001';
  eventCounter += 1;
  return JSON.stringify({
    token: 'XXYYZZ',
    team_id: teamId,
    api_app_id: 'A123456',
    event,
    type: 'event_callback',
    event_id: `Ev${String(eventCounter).padStart(10, '0')}`,
    event_time: nowSeconds(),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  });
}
let eventCounter = 0;

/** `app_home_opened` for the Home tab: https://docs.slack.dev/reference/events/app_home_opened */
export function appHomeOpenedEvent(
  userId: string,
  tab: 'home' | 'messages' = 'home',
): Record<string, unknown> {
  return {
    type: 'app_home_opened',
    user: userId,
    channel: `D${userId.slice(1)}`,
    tab,
    event_ts: `${nowSeconds()}.000400`,
  };
}

export interface FunctionExecutedFields {
  callbackId: string;
  functionExecutionId: string;
  botAccessToken: string;
  inputs: Record<string, unknown>;
  inputParameters?: unknown[];
  outputParameters?: unknown[];
}

/** `function_executed`: a Workflow Builder step of this app runs: https://docs.slack.dev/reference/events/function_executed */
export function functionExecutedEvent(f: FunctionExecutedFields): Record<string, unknown> {
  return {
    type: 'function_executed',
    function: {
      id: 'Fn0123456789',
      callback_id: f.callbackId,
      title: f.callbackId,
      description: '',
      type: 'app',
      input_parameters: f.inputParameters ?? [],
      output_parameters: f.outputParameters ?? [],
      app_id: 'A123456',
      date_created: 1_694_727_597,
      date_updated: 1_698_947_481,
      date_deleted: 0,
    },
    inputs: f.inputs,
    function_execution_id: f.functionExecutionId,
    workflow_execution_id: `Wx${f.functionExecutionId.slice(2)}`,
    event_ts: `${nowSeconds()}.000500`,
    bot_access_token: f.botAccessToken,
  };
}
