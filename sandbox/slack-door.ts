import type {
  EphemeralMessage,
  FakeSlack,
  ResponseBody,
  SlackMessage,
  SlackView,
} from '../stand-ins/fake-slack.js';
import {
  appHomeOpenedEvent,
  blockActionsBody,
  blockSuggestionPayload,
  eventCallbackBody,
  interactiveBody,
  messageActionPayload,
  postToSlackEndpoint,
  type SelectedOption,
  shortcutPayload,
  slashCommandBody,
  type ViewStateValue,
  viewActionPayload,
  viewSubmissionPayload,
} from '../stand-ins/slack-request.js';
import type { FormEntry } from './web/protocol.js';
import { type ButtonPath, buttonAt, textOf } from './web/render-blocks.js';
import { CHANNEL, type Person } from './workspace.js';

/** Slack gives an app three seconds to acknowledge; after that it tells the person the command failed. */
const ACK_TIMEOUT_MS = 3_000;

export type DoorResult = { ok: true } | { ok: false; problem: string };

/**
 * The page's commands and clicks, delivered to Flowbot the way Slack delivers them: a form body or a
 * block_actions payload, signed with the signing secret, posted to `/slack/events`. Replies come back the
 * way they do in Slack, through response_url and the Web API, both served by the fake Slack.
 */
export class SlackDoor {
  constructor(
    private readonly flowbotUrl: string,
    private readonly signingSecret: string,
    private readonly slack: FakeSlack,
  ) {}

  async command(person: Person, command: string, text: string): Promise<DoorResult> {
    const responseUrl = this.slack.responseUrl({ channel: CHANNEL.id, user: person.id });
    const body = slashCommandBody({
      team_id: 'T0001',
      team_domain: 'sandbox',
      enterprise_id: undefined,
      enterprise_name: undefined,
      channel_id: CHANNEL.id,
      channel_name: CHANNEL.name,
      user_id: person.id,
      user_name: person.name,
      command,
      text,
      response_url: responseUrl,
      trigger_id: this.slack.triggerId(person.id),
    });
    const sent = await this.send(body, command);
    if (!sent.ok) return sent;
    // What the acknowledgement says is shown like any reply, as Slack shows it. Slack shows it before any
    // response_url post; here Flowbot's private follow-up (which replaces it) may have come in first, and
    // then the acknowledgement has already been replaced.
    const ack = parseAck(sent.body);
    const replaced = this.slack
      .responses(responseUrl)
      .some((post) => post.body.response_type !== 'in_channel' && post.body.replace_original === true);
    if (ack && !replaced) this.slack.showResponse(responseUrl, ack);
    return { ok: true };
  }

  async click(
    person: Person,
    where: { message: SlackMessage } | { ephemeral: EphemeralMessage },
    path: ButtonPath,
  ): Promise<DoorResult> {
    const isEphemeral = 'ephemeral' in where;
    const blocks = isEphemeral ? where.ephemeral.blocks : where.message.blocks;
    const button = buttonAt(blocks, path);
    if (!button || typeof button.action_id !== 'string')
      return { ok: false, problem: 'That button is no longer on the message.' };
    const owner: unknown = Array.isArray(blocks) ? blocks[path.block] : undefined;
    const blockId =
      owner && typeof owner === 'object' && typeof (owner as { block_id?: unknown }).block_id === 'string'
        ? (owner as { block_id: string }).block_id
        : `b${path.block}`;
    const ts = isEphemeral ? where.ephemeral.message_ts : where.message.ts;
    const responseUrl = this.slack.responseUrl(
      isEphemeral
        ? { channel: CHANNEL.id, user: person.id, ephemeralId: ts }
        : { channel: CHANNEL.id, user: person.id, ts },
    );
    const body = blockActionsBody({
      userId: person.id,
      userName: person.name,
      channelId: CHANNEL.id,
      channelName: CHANNEL.name,
      teamId: 'T0001',
      actionId: button.action_id,
      value: typeof button.value === 'string' ? button.value : '',
      blockId,
      buttonText: textOf(button.text),
      responseUrl,
      messageTs: ts,
      isEphemeral,
      triggerId: this.slack.triggerId(person.id),
      ...(isEphemeral ? {} : { message: { ...where.message } }),
    });
    const sent = await this.send(body, 'the button');
    return sent.ok ? { ok: true } : sent;
  }

  /** The person opened the app's Home tab: `app_home_opened`, as the Events API delivers it. */
  async homeOpened(person: Person): Promise<DoorResult> {
    const sent = await this.send(eventCallbackBody(appHomeOpenedEvent(person.id)), 'the Home tab', true);
    return sent.ok ? { ok: true } : sent;
  }

  /** A click on a button in a view (the Home tab): a block_actions payload with the view, no channel. */
  async viewClick(person: Person, view: SlackView, path: ButtonPath): Promise<DoorResult> {
    const button = buttonAt(view.blocks, path);
    if (!button || typeof button.action_id !== 'string')
      return { ok: false, problem: 'That button is no longer there.' };
    const owner: unknown = view.blocks[path.block];
    const blockId =
      owner && typeof owner === 'object' && typeof (owner as { block_id?: unknown }).block_id === 'string'
        ? (owner as { block_id: string }).block_id
        : `b${path.block}`;
    const body = interactiveBody(
      viewActionPayload({
        userId: person.id,
        view: wireView(view),
        action: {
          type: 'button',
          action_id: button.action_id,
          block_id: blockId,
          value: typeof button.value === 'string' ? button.value : '',
          text: { type: 'plain_text', text: textOf(button.text) || 'Button' },
        },
        triggerId: this.slack.triggerId(person.id),
      }),
    );
    const sent = await this.send(body, 'the button');
    return sent.ok ? { ok: true } : sent;
  }

  /** The global shortcut "Flow control". */
  async shortcut(person: Person, callbackId: string): Promise<DoorResult> {
    const body = interactiveBody(
      shortcutPayload({ userId: person.id, callbackId, triggerId: this.slack.triggerId(person.id) }),
    );
    const sent = await this.send(body, 'the shortcut');
    return sent.ok ? { ok: true } : sent;
  }

  /** The message shortcut "Flow control" on a channel message. */
  async messageShortcut(person: Person, callbackId: string, message: SlackMessage): Promise<DoorResult> {
    const body = interactiveBody(
      messageActionPayload({
        userId: person.id,
        channelId: CHANNEL.id,
        callbackId,
        triggerId: this.slack.triggerId(person.id),
        responseUrl: this.slack.responseUrl({ channel: CHANNEL.id, user: person.id }),
        message: { ...message },
      }),
    );
    const sent = await this.send(body, 'the shortcut');
    return sent.ok ? { ok: true } : sent;
  }

  /** Typing in an external select: the options Flowbot answers with in its acknowledgement. */
  async suggest(
    person: Person,
    view: SlackView,
    blockId: string,
    actionId: string,
    value: string,
  ): Promise<{ ok: true; options: unknown[] } | { ok: false; problem: string }> {
    const body = interactiveBody(
      blockSuggestionPayload({ userId: person.id, actionId, blockId, value, view: wireView(view) }),
    );
    const sent = await this.send(body, 'the menu');
    if (!sent.ok) return sent;
    try {
      const parsed = JSON.parse(sent.body) as { options?: unknown };
      return { ok: true, options: Array.isArray(parsed.options) ? parsed.options : [] };
    } catch {
      return { ok: true, options: [] };
    }
  }

  /** Choosing in a menu that dispatches actions (the modal's Action). */
  async viewSelect(
    person: Person,
    view: SlackView,
    blockId: string,
    actionId: string,
    option: SelectedOption,
    form: Record<string, FormEntry>,
  ): Promise<DoorResult> {
    const body = interactiveBody(
      viewActionPayload({
        userId: person.id,
        view: wireView(view),
        action: { type: 'static_select', action_id: actionId, block_id: blockId, selected_option: option },
        values: stateValues(view, form),
        triggerId: this.slack.triggerId(person.id),
      }),
    );
    const sent = await this.send(body, 'the menu');
    return sent.ok ? { ok: true } : sent;
  }

  /**
   * Submits a modal as Slack does: its inputs' state, and a response_url for each conversation menu with
   * `response_url_enabled`. Returns the errors Flowbot's acknowledgement shows beside the inputs, if any.
   */
  async submit(
    person: Person,
    view: SlackView,
    form: Record<string, FormEntry>,
  ): Promise<{ ok: true; errors: Record<string, string> | undefined } | { ok: false; problem: string }> {
    const values = stateValues(view, form);
    const responseUrls = responseUrlInputs(view).flatMap(({ blockId, actionId }) => {
      const chosen = values[blockId]?.[actionId];
      const channel =
        chosen && 'selected_conversation' in chosen ? (chosen.selected_conversation ?? undefined) : undefined;
      return channel
        ? [
            {
              block_id: blockId,
              action_id: actionId,
              channel_id: channel,
              response_url: this.slack.responseUrl({ channel, user: person.id }),
            },
          ]
        : [];
    });
    const body = interactiveBody(
      viewSubmissionPayload({ userId: person.id, view: wireView(view), values, responseUrls }),
    );
    const sent = await this.send(body, 'the form');
    if (!sent.ok) return sent;
    try {
      const ack = sent.body.trim() === '' ? {} : (JSON.parse(sent.body) as Record<string, unknown>);
      const errors =
        ack.response_action === 'errors' && ack.errors && typeof ack.errors === 'object'
          ? (ack.errors as Record<string, string>)
          : undefined;
      return { ok: true, errors };
    } catch {
      return { ok: true, errors: undefined };
    }
  }

  private async send(
    body: string,
    what: string,
    json = false,
  ): Promise<{ ok: true; body: string } | { ok: false; problem: string }> {
    try {
      const result = await postToSlackEndpoint(this.flowbotUrl, this.signingSecret, body, {
        timeoutMs: ACK_TIMEOUT_MS,
        ...(json ? { contentType: 'application/json' } : {}),
      });
      if (result.status === 200) return { ok: true, body: result.body };
      return { ok: false, problem: `${what} failed: Flowbot answered HTTP ${result.status}.` };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return {
        ok: false,
        problem: timedOut
          ? `${what} failed with the error "operation_timeout" (Flowbot did not answer within 3 seconds).`
          : `${what} failed: Flowbot could not be reached (${error instanceof Error ? error.message : String(error)}).`,
      };
    }
  }
}

function parseAck(body: string): ResponseBody | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== 'object') return undefined;
    const ack = parsed as ResponseBody;
    return typeof ack.text === 'string' || Array.isArray(ack.blocks) ? ack : undefined;
  } catch {
    return { text: body };
  }
}

type Block = { type?: unknown; block_id?: unknown; element?: Record<string, unknown> };

/** A stored view as Slack puts it in interaction payloads. */
function wireView(view: SlackView): Record<string, unknown> & { id: string; type: string } {
  const { user: _user, closed: _closed, ...rest } = view;
  return { ...rest, team_id: 'T0001', app_id: 'A123456' };
}

/** The inputs whose menus give a response_url on submission (conversation menus with `response_url_enabled`). */
function responseUrlInputs(view: SlackView): { blockId: string; actionId: string }[] {
  return (view.blocks as Block[]).flatMap((block) =>
    block.type === 'input' &&
    typeof block.block_id === 'string' &&
    block.element?.type === 'conversations_select' &&
    block.element.response_url_enabled === true
      ? [{ blockId: block.block_id, actionId: String(block.element.action_id ?? block.block_id) }]
      : [],
  );
}

/** What the page's form holds, as Slack reports it in `view.state.values`, by each input's element type. */
function stateValues(
  view: SlackView,
  form: Record<string, FormEntry>,
): Record<string, Record<string, ViewStateValue>> {
  const values: Record<string, Record<string, ViewStateValue>> = {};
  for (const block of view.blocks as Block[]) {
    if (block.type !== 'input' || typeof block.block_id !== 'string' || !block.element) continue;
    const actionId = String(block.element.action_id ?? block.block_id);
    const entry = form[block.block_id];
    let value: ViewStateValue;
    switch (block.element.type) {
      case 'plain_text_input':
      case 'number_input':
        value = { type: block.element.type, value: entry?.value?.trim() ? entry.value : null };
        break;
      case 'static_select':
      case 'external_select':
      case 'radio_buttons':
        value = {
          type: block.element.type,
          selected_option: entry?.option
            ? { text: { type: 'plain_text', text: entry.option.text }, value: entry.option.value }
            : null,
        };
        break;
      case 'conversations_select':
        value = { type: 'conversations_select', selected_conversation: entry?.conversation ?? null };
        break;
      default:
        continue;
    }
    values[block.block_id] = { [actionId]: value };
  }
  return values;
}
