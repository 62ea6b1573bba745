import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { formProblemCode } from '../../../core/commands/flow-form.js';
import type { Source } from '../../../core/operations/change.js';
import { resolveKeyHandle } from '../../blocks/key-options.js';
import { formErrors, readModalMetadata } from '../../blocks/modal.js';
import { NOTES } from '../../blocks/notes.js';
import { readFlowControlForm } from '../../commands/flow-form.js';
import { noResponseUrl, slackRequest } from '../../request.js';
import type { Services } from '../../services.js';
import { runFlowCommand } from '../commands/flow.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * A submitted Flow control modal: problems are shown beside the inputs (the modal stays open; the front door
 * gives the same acknowledgement from the submission alone); otherwise it closes and the request runs exactly
 * as the `/flow` command would, as the person who submitted it, in the channel they chose, with replies through
 * the response_url Slack gives for that channel (the Web API without one). The source is `shortcut` for a
 * modal opened from a shortcut, `modal` for one opened with `/flow` or from the Home tab.
 */
export function flowControlSubmission(services: Services) {
  return async ({ ack, body, view, respond }: Args): Promise<void> => {
    const read = readFlowControlForm(view, services.environments);
    await ack(read.kind === 'ok' ? undefined : formErrors(read.problems, read.keyProblem));
    const { origin } = readModalMetadata(view.private_metadata);
    const source: Source = origin === 'shortcut' || origin === 'message' ? 'shortcut' : 'modal';
    const request = slackRequest(services, {
      actorId: body.user.id,
      body,
      channelId: read.kind === 'ok' ? read.form.channelId : undefined,
      source,
      respond: respond ?? noResponseUrl,
    });
    if (read.kind === 'invalid') {
      const problems = read.keyProblem ? { ...read.problems, key: read.keyProblem } : read.problems;
      services.operations.recordInvalid({
        ...request.asking,
        action: 'modal',
        problem: formProblemCode(problems),
      });
      return;
    }
    const { key, form } = read;
    void request.run(async () => {
      const target =
        key.kind === 'key'
          ? key.ref
          : resolveKeyHandle(
              key.handle,
              services.surfaces.catalog.all().map((entry) => entry.ref),
              services.naming,
            );
      if (!target) {
        await request.tell(NOTES.pickedKeyGone());
        return;
      }
      await runFlowCommand(services, request, form.command(target));
    });
  };
}
