import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { recordInvalidInput } from '../../../core/audit.js';
import { type ListenerContext, runForUser } from '../../context.js';
import { resumeNow } from '../flows/resume.js';
import { flowResumeAck, parseFlowResume } from './command-acks.js';

/** `/flow-resume <key>`: the one-step way out of an incident. */
export function flowResumeCommand(context: ListenerContext) {
  return async ({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseFlowResume(command.text ?? '', context.environments);
    if (parsed.kind === 'invalid') {
      recordInvalidInput(
        context.audit,
        { actor: command.user_id, action: 'resume', channel: command.channel_id, source: 'command' },
        parsed.problem.code,
      );
    }
    await ack(flowResumeAck(parsed, context.environments));
    if (parsed.kind !== 'resume') return;
    void runForUser(context, respond, () =>
      resumeNow(context, respond, command.user_id, command.channel_id, parsed.ref, 'command'),
    );
  };
}
