import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlashCommand } from '../../commands/command-table.js';
import { type SlackRequest, slackRequest } from '../../request.js';
import type { Services } from '../../services.js';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** What a slash command does with its parsed text: audit what can't be used, and the work after the ack. */
export interface SlashHandling<P> {
  /** The action asked for and the problem's code, when the text can't be used (core audits it). */
  invalid(parsed: P): { readonly action: string; readonly problem: string } | undefined;
  /** The work after the ack, or undefined when the ack said it all (help, bad input). */
  work(parsed: P): ((services: Services, request: SlackRequest) => Promise<void>) | undefined;
}

/**
 * A slash command's listener: one request object for it, parsed and acknowledged by the command table (as
 * the front door does), then the work, tracked and answered whatever happens.
 */
export function slashListener<P>(services: Services, entry: SlashCommand<P>, handling: SlashHandling<P>) {
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const request = slackRequest(services, {
      actorId: command.user_id,
      channelId: command.channel_id,
      source: 'command',
      respond,
    });
    const parsed = entry.parse(command.text ?? '', services.environments);
    const invalid = handling.invalid(parsed);
    if (invalid) services.operations.recordInvalid({ ...request.asking, ...invalid });
    await ack(entry.ack(parsed, services.environments));
    const work = handling.work(parsed);
    if (work) void request.run(() => work(services, request));
  };
}
