import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseKeyRef } from '../../../core/keys.js';
import { code } from '../../blocks/mrkdwn.js';
import { flowResumeUsage, keyProblem } from '../../blocks/usage.js';
import { type ListenerContext, runForUser } from '../../context.js';
import { resumeNow } from '../flows/resume.js';

/** `/flow-resume <key>`: the one-step way out of an incident. */
export function flowResumeCommand(context: ListenerContext) {
  return async ({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const text = (command.text ?? '').trim();
    if (text === '' || text === 'help') {
      await ack({ response_type: 'ephemeral', ...flowResumeUsage(context.environments.names) });
      return;
    }
    const parsed = parseKeyRef(text, context.environments.names, context.environments.defaultName);
    if (!parsed.ok) {
      context.audit.record({
        actor: command.user_id,
        action: 'resume',
        key: undefined,
        environment: undefined,
        channel: command.channel_id,
        source: 'command',
        outcome: 'invalid',
        reason: parsed.problem,
        latencyMs: 0,
      });
      await ack({ response_type: 'ephemeral', ...keyProblem(parsed.problem, '/flow-resume') });
      return;
    }
    await ack({ response_type: 'ephemeral', text: `:hourglass_flowing_sand: Resuming ${code(text)}…` });
    void runForUser(context, respond, () =>
      resumeNow(context, respond, command.user_id, command.channel_id, parsed.ref, 'command'),
    );
  };
}
