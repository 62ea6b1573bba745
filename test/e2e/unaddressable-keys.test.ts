import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, harnessPerTest } from '../support/flowbot-harness.js';
import { surfaces } from '../support/surfaces.js';

/**
 * QStash lists whatever keys publishers chose: longer than Flowbot's 256 characters, longer than a Slack
 * button value (2,000), or `..`. Flowbot can't act on those, so it offers no button for them, and one such
 * key never makes Slack refuse a whole list, Home tab or alert.
 */
const LONG = `tenant-${'x'.repeat(2_100)}`;

const harness = harnessPerTest(
  { flowbot: { homes: { debounceMs: 20, spacingMs: 0, rebuildEveryMs: 0 } } },
  (h) => {
    h.qstash.setKey({ flowControlKey: LONG, isPaused: true, waitListSize: 50_000 });
    h.qstash.setKey({ flowControlKey: '..', isPaused: true, waitListSize: 40_000 });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12 });
  },
);

type Element = { type?: string; action_id?: string; value?: string };
const buttons = (blocks: unknown[] | undefined): Element[] =>
  ((blocks ?? []) as any[]).flatMap((block) => [
    ...(block.accessory?.type === 'button' ? [block.accessory] : []),
    ...(block.type === 'actions' ? block.elements : []),
  ]);

describe('keys QStash lists that Flowbot cannot address', () => {
  it('/flow list shows them, with Resume buttons only for keys Flowbot can resume', async () => {
    const h = await harness();
    const ack = await h.command('/flow', 'list');
    const reply = await h.waitForResponse(
      ack.responseUrl,
      (body) => !String(body.text ?? '').startsWith(':hourglass'),
    );
    expect(allText(reply)).toContain('orders-eu');
    const resumes = buttons(reply.blocks as unknown[]).filter((b) => b.action_id?.startsWith('flow_resume'));
    expect(resumes.map((b) => b.value)).toEqual(['orders-eu']);
    // The strict fake Slack accepted every message (checked when the harness closes).
  });

  it('the Home tab is published, with no button for them', async () => {
    const h = await harness();
    const s = surfaces(h);
    const waited = s.waitForHome(ALLOWED_USER, (view) =>
      allText({ blocks: view.blocks }).includes('orders-eu'),
    );
    await s.homeOpened(ALLOWED_USER);
    const view = await waited;
    for (const button of buttons(view.blocks))
      expect(button.value?.length ?? 0, button.action_id).toBeLessThanOrEqual(2_000);
    expect(buttons(view.blocks).some((b) => b.value === '..')).toBe(false);
  });

  it('the watcher’s alert for such a key reaches the channel, without buttons Slack would refuse', async () => {
    const h = await harness({
      env: { FLOW_WATCH_KEYS: '*', FLOW_WATCH_INTERVAL: '1s', ALERTS_CHANNEL: 'CALERTS01' },
    });
    h.slack.setChannel('CALERTS01');
    await expect
      .poll(() => h.slack.calls.filter((c) => c.method === 'chat.postMessage').length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3);
    const posted = h.slack.calls.filter((c) => c.method === 'chat.postMessage');
    for (const call of posted)
      for (const button of buttons(call.params.blocks as unknown[]))
        expect(button.value?.length ?? 0).toBeLessThanOrEqual(2_000);
  });
});
