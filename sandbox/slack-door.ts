import type { EphemeralMessage, FakeSlack, ResponseBody, SlackMessage } from '../stand-ins/fake-slack.js';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../stand-ins/slack-request.js';
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
      trigger_id: triggerId(),
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
      triggerId: triggerId(),
      ...(isEphemeral ? {} : { message: { ...where.message } }),
    });
    const sent = await this.send(body, 'the button');
    return sent.ok ? { ok: true } : sent;
  }

  private async send(
    body: string,
    what: string,
  ): Promise<{ ok: true; body: string } | { ok: false; problem: string }> {
    try {
      const result = await postToSlackEndpoint(this.flowbotUrl, this.signingSecret, body, {
        timeoutMs: ACK_TIMEOUT_MS,
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

let triggers = 0;
function triggerId(): string {
  triggers += 1;
  return `${Date.now()}.${triggers}.sandbox`;
}
