import { SLASH_COMMANDS } from '../../commands/command-table.js';
import { slackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { changeNow } from '../flows/settle.js';
import type { CommandArgs } from './index.js';

/** `/flow-resume <key>`: the one-step way out of an incident. */
export function flowResumeCommand(services: Services) {
  const entry = SLASH_COMMANDS['/flow-resume'];
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const request = slackRequest(services, {
      actorId: command.user_id,
      channelId: command.channel_id,
      source: 'command',
      respond,
    });
    const parsed = entry.parse(command.text ?? '', services.environments);
    if (parsed.kind === 'invalid')
      services.operations.recordInvalid({
        ...request.asking,
        action: 'resume',
        problem: parsed.problem.code,
      });
    await ack(entry.ack(parsed, services.environments));
    if (parsed.kind !== 'resume') return;
    void request.run(() => changeNow(services, request, parsed.ref, { action: 'resume' }));
  };
}
