import type { FlowAction } from '../../../core/access/types.js';
import type { KeyRef } from '../../../core/keys.js';
import type { ReadOutcome } from '../../../core/operations/outcome.js';
import type { QStashError } from '../../../core/qstash/errors.js';
import { globalMessage } from '../../blocks/global.js';
import { listMessage } from '../../blocks/list.js';
import { NOTES } from '../../blocks/notes.js';
import { warningMessage } from '../../blocks/outcome.js';
import { describeQStashError } from '../../blocks/qstash-error.js';
import { describeRefusal } from '../../blocks/refusal.js';
import { statusMessage } from '../../blocks/status.js';
import type { SlackMessage } from '../../blocks/types.js';
import type { SlackRequest } from '../../request.js';
import type { Services } from '../../services.js';

/** Reads change nothing, so their answers are private; `replaceOriginal` refreshes a card in place. */
async function answer<T>(
  request: SlackRequest,
  action: FlowAction,
  outcome: ReadOutcome<T>,
  render: (value: T) => SlackMessage,
  failure: (error: QStashError) => SlackMessage,
  replaceOriginal: boolean,
): Promise<void> {
  let message: SlackMessage;
  if (outcome.kind === 'ok') message = render(outcome.value);
  else if (outcome.kind === 'refused') message = warningMessage(describeRefusal(outcome.refusal, action));
  else message = failure(outcome.error);
  await request.tell(message, { replaceOriginal: replaceOriginal && outcome.kind === 'ok' });
}

export async function showStatus(
  services: Services,
  request: SlackRequest,
  target: KeyRef,
  replaceOriginal = false,
): Promise<void> {
  const outcome = await services.operations.status({ ...request.asking, target });
  await answer(
    request,
    'status',
    outcome,
    (state) => statusMessage(target, state, services.naming),
    (error) => NOTES.unreadableKey(target, services.naming, error),
    replaceOriginal,
  );
}

export async function showList(
  services: Services,
  request: SlackRequest,
  environment: string | undefined,
  glob: string | undefined,
  replaceOriginal = false,
): Promise<void> {
  const outcome = await services.operations.list({ ...request.asking, environment, glob });
  await answer(
    request,
    'list',
    outcome,
    (results) => listMessage(results, glob, services.naming),
    (error) => NOTES.unlistable(error),
    replaceOriginal,
  );
}

export async function showGlobal(
  services: Services,
  request: SlackRequest,
  environment: string | undefined,
): Promise<void> {
  const names = environment === undefined ? services.environments.names : [environment];
  const results = await Promise.all(
    names.map(async (name) => ({
      name,
      outcome: await services.operations.global({ ...request.asking, environment: name }),
    })),
  );
  const refused = results.find((result) => result.outcome.kind === 'refused');
  if (refused && refused.outcome.kind === 'refused') {
    await request.tell(warningMessage(describeRefusal(refused.outcome.refusal, 'list')));
    return;
  }
  const message = globalMessage(
    results.map(({ name, outcome }) =>
      outcome.kind === 'ok'
        ? { environment: name, global: outcome.value }
        : {
            environment: name,
            global: undefined,
            problem: outcome.kind === 'failed' ? describeQStashError(outcome.error) : 'refused',
          },
    ),
    services.naming,
  );
  await request.tell(message);
}
