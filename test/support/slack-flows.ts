import { expect } from 'vitest';
import type { ResponseBody } from './fake-slack.js';
import { ALLOWED_USER, CHANNEL, type Harness } from './flowbot-harness.js';

/** The buttons of a message, in order. */
export function buttons(body: { blocks?: unknown } | undefined): { action_id: string; value: string }[] {
  return ((body?.blocks as any[]) ?? []).flatMap((block: any) =>
    block.type === 'actions' ? block.elements : [],
  );
}

/** A `/flow` command that asks to confirm, confirmed by the same person; the reply that follows Confirm. */
export async function confirmed(
  h: Harness,
  text: string,
  user = ALLOWED_USER,
  until: (body: ResponseBody) => boolean = (b) => !String(b.text ?? '').includes('Confirmed. Working'),
): Promise<ResponseBody> {
  const ack = await h.command('/flow', text, { user });
  const ask = await h.waitForResponse(ack.responseUrl);
  const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm');
  if (!confirm) return ask;
  const click = await h.click({
    actionId: 'flow_confirm',
    value: confirm.value,
    userId: user,
    isEphemeral: true,
  });
  return h.waitForResponse(click.responseUrl, until);
}

/** `/flow ramp <key> …`, confirmed; the key's progress message once posted. */
export async function startRamp(h: Harness, text: string, user = ALLOWED_USER) {
  const key = text.split(/\s+/)[1] ?? '';
  await confirmed(h, text, user, (b) => String(b.text ?? '').startsWith(':hourglass'));
  const post = await h.slack.waitForCall('chat.postMessage', (c) => c.params.text === `Ramping up ${key}`);
  return { ts: String((post.response as any).ts), blocks: post.params.blocks as unknown[] };
}

/** Waits until the channel's message `ts` shows `text` (redrawn in place). */
export async function waitForMessage(h: Harness, ts: string, text: string, timeoutMs = 60_000) {
  await expect
    .poll(() => JSON.stringify(h.slack.getMessage(CHANNEL, ts)?.blocks ?? ''), {
      timeout: timeoutMs,
      interval: 100,
    })
    .toContain(text);
}
