import type { AllMiddlewareArgs, RespondArguments, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type CommandAck, parseSlashText, type SlashCommand } from '../../commands/command-table.js';
import { type SlackRequest, slackRequest } from '../../request.js';
import type { Services } from '../../services.js';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** What a slash command does with its parsed text: audit what can't be used, and the work after the ack. */
export interface SlashHandling<P> {
  /** The action asked for and the problem's code, when the text can't be used (core audits it). */
  invalid(parsed: P): { readonly action: string; readonly problem: string } | undefined;
  /** The work after the ack, or undefined when the ack said it all (help, bad input). */
  work(
    parsed: P,
  ): ((services: Services, request: SlackRequest, slash: SlashContext) => Promise<void>) | undefined;
}

/** What the command's work may need of the payload beyond the request: opening a modal. */
export interface SlashContext {
  /** Opens one view within 3 seconds of the command. */
  readonly triggerId: string;
  readonly client: WebClient;
}

/**
 * A slash command's listener: one request object for it, parsed and acknowledged by the command table (as
 * the front door does), then the work, tracked and answered whatever happens.
 */
export function slashListener<P>(services: Services, entry: SlashCommand<P>, handling: SlashHandling<P>) {
  return async ({ command, ack, respond, client }: CommandArgs): Promise<void> => {
    const parsed = parseSlashText(entry, command.text ?? '', services.environments);
    const answer = entry.ack(parsed, services.environments);
    const request = slackRequest(services, {
      actorId: command.user_id,
      body: command,
      channelId: command.channel_id,
      source: 'command',
      respond: respondAfterAck(respond, answer),
    });
    const invalid = handling.invalid(parsed);
    if (invalid) services.operations.recordInvalid({ ...request.asking, ...invalid });
    await ack(answer);
    const work = handling.work(parsed);
    if (!work) return;
    // Taken out first: the work's closure must not hold the whole payload while it waits on QStash.
    const slash: SlashContext = { triggerId: command.trigger_id, client };
    void request.run(() => work(services, request, slash));
  };
}

/**
 * The respond function for what follows an acknowledgement that showed the person a private note
 * ("Resuming…"): a private reply replaces the note instead of appearing under it, so a refusal never follows
 * "Resuming…" (Slack lets a response_url post replace the command's ephemeral response). A public reply can't
 * replace a private message, so it is posted as it is, and so is anything after an ack that showed nothing.
 * Should the replacement fail, the reply is sent again the ordinary way (with its Web API fallback).
 */
export function respondAfterAck(respond: RespondFn, ack: CommandAck): RespondFn {
  if (ack === undefined || (!ack.text && !ack.blocks)) return respond;
  return async (message) => {
    const payload: RespondArguments = typeof message === 'string' ? { text: message } : message;
    if (payload.response_type === 'in_channel' || payload.delete_original || payload.replace_original)
      return respond(payload);
    try {
      return await respond({ ...payload, replace_original: true });
    } catch {
      return respond(payload);
    }
  };
}
