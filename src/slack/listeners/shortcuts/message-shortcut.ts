import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { findKeyCandidates } from '../../../core/catalog/find-keys.js';
import { type KeyRef, parseKeyRef } from '../../../core/keys.js';
import type { ModalPrefill } from '../../blocks/modal.js';
import { askingOf } from '../../request.js';
import type { Services } from '../../services.js';
import { messageParts } from './message-parts.js';
import { openFlowControl } from './open-flow-control.js';

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

/**
 * The message shortcut `flow_message_action`, on any message: the keys it names (its key buttons, labels such
 * as `flow_control_key=…`, code spans), the first one Flowbot knows (paused first) prefilled in the modal,
 * with Resume chosen when it is paused. Nothing waits for QStash: the trigger_id lasts 3 seconds.
 */
export function messageShortcut(services: Services) {
  return async ({ shortcut, ack, client, body }: Args): Promise<void> => {
    await ack();
    const { catalog } = services.surfaces;
    const found = findKeyCandidates(messageParts(shortcut.message))
      .map((text) => ({
        text,
        parsed: parseKeyRef(text, services.environments.names, services.environments.defaultName),
      }))
      .filter((candidate) => candidate.parsed.kind === 'ok')
      .map((candidate) => {
        const ref = (candidate.parsed as { kind: 'ok'; ref: KeyRef }).ref;
        return { text: candidate.text, ref, state: catalog.find(ref) };
      });
    // Keys QStash knows come first, paused ones before the rest; otherwise the message's own order.
    const ranked = [...found].sort(
      (a, b) =>
        Number(b.state !== undefined) - Number(a.state !== undefined) ||
        Number(b.state?.paused ?? false) - Number(a.state?.paused ?? false),
    );
    const [first, ...rest] = ranked;
    const prefill: ModalPrefill = first
      ? {
          key: { ref: first.ref, state: first.state },
          action: first.state?.paused ? 'resume' : 'status',
          alsoFound: rest.map((candidate) => candidate.text),
        }
      : { nothingFound: true };
    const asking = askingOf(services, {
      actorId: shortcut.user.id,
      body,
      channelId: shortcut.channel.id,
      source: 'shortcut',
    });
    await openFlowControl(services, client, shortcut.trigger_id, asking, prefill, {
      origin: 'message',
      channelId: shortcut.channel.id,
    });
  };
}
