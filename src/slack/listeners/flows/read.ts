import type { RespondFn } from '@slack/bolt';
import type { KeyRef } from '../../../core/keys.js';
import type { ReadOutcome } from '../../../core/operations/outcome.js';
import { globalMessage } from '../../blocks/global.js';
import { listMessage } from '../../blocks/list.js';
import { escapeMrkdwn } from '../../blocks/mrkdwn.js';
import { keyLabel, problemMessage } from '../../blocks/outcome.js';
import { describeQStashError } from '../../blocks/qstash-error.js';
import { statusMessage } from '../../blocks/status.js';
import type { SlackMessage } from '../../blocks/types.js';
import { type ListenerContext, reply } from '../../context.js';

/** Reads change nothing, so their answers are private; `replaceOriginal` refreshes a card in place. */
async function answer<T>(
  context: ListenerContext,
  respond: RespondFn,
  outcome: ReadOutcome<T>,
  render: (value: T) => SlackMessage,
  failure: (reason: string) => string,
  replaceOriginal: boolean,
): Promise<void> {
  let message: SlackMessage;
  if (outcome.kind === 'ok') message = render(outcome.value);
  else if (outcome.kind === 'refused') message = problemMessage(escapeMrkdwn(outcome.explanation));
  else message = problemMessage(`${failure(describeQStashError(outcome.error))}.`);
  const replace = replaceOriginal && outcome.kind === 'ok';
  await reply(context, respond, message, { visibility: 'ephemeral', replaceOriginal: replace });
}

export async function showStatus(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  target: KeyRef,
  source: string,
  replaceOriginal = false,
): Promise<void> {
  const outcome = await context.operations.status({ actorId, target, channelId, source });
  await answer(
    context,
    respond,
    outcome,
    (state) => statusMessage(target, state, context.naming),
    (reason) => `Couldn’t read ${keyLabel(target, context.naming)}: ${reason}`,
    replaceOriginal,
  );
}

export async function showList(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  environment: string | undefined,
  glob: string | undefined,
  source: string,
  replaceOriginal = false,
): Promise<void> {
  const outcome = await context.operations.list(actorId, environment, glob, channelId, source);
  await answer(
    context,
    respond,
    outcome,
    (results) => listMessage(results, glob, context.naming),
    (reason) => `Couldn’t list the keys: ${reason}`,
    replaceOriginal,
  );
}

export async function showGlobal(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  environment: string | undefined,
  source: string,
): Promise<void> {
  const names = environment === undefined ? context.environments.names : [environment];
  const results = await Promise.all(
    names.map(async (name) => ({
      name,
      outcome: await context.operations.global(actorId, name, channelId, source),
    })),
  );
  const refused = results.find((result) => result.outcome.kind === 'refused');
  if (refused && refused.outcome.kind === 'refused') {
    await reply(context, respond, problemMessage(escapeMrkdwn(refused.outcome.explanation)), {
      visibility: 'ephemeral',
    });
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
    context.naming,
  );
  await reply(context, respond, message, { visibility: 'ephemeral' });
}
