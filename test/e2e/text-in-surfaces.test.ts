import { describe, expect, it, vi } from 'vitest';
import { ALLOWED_USER, allText, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';
import { surfaces } from '../support/surfaces.js';

/**
 * Text as Slack sends it on the inputs beyond a command's text: a pattern, the message a shortcut is used
 * on, a Workflow Builder step's inputs (decoded once with the command's decoder), and a modal's inputs
 * (sent exactly as typed, so taken as they are). Through the front door, as `npm start` runs.
 */
const harness = harnessPerTest({ frontDoor: true }, (h) => {
  h.qstash.setKey({ flowControlKey: 'tenant&eu', isPaused: true, waitListSize: 3 });
  h.qstash.setKey({ flowControlKey: 'tenant&us', isPaused: true, waitListSize: 5 });
  h.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 1 });
});

type Block = { block_id?: string; element?: Record<string, any> };
const input = (view: { blocks: unknown[] }, id: string) =>
  (view.blocks as Block[]).find((block) => block.block_id === id);

describe('text as Slack sends it, on every input', () => {
  it('a pattern typed with & (sent as &amp;) previews and resumes the keys it names', async () => {
    const h = await harness();
    const ack = await h.command('/flow', 'resume tenant&amp;*');
    expect(JSON.parse(ack.body).text).toContain('`tenant&amp;*`');
    const preview = await h.waitForResponse(ack.responseUrl, (body) =>
      buttons(body).some((button) => button.action_id === 'flow_bulk_confirm'),
    );
    expect(allText(preview)).toContain('`tenant&amp;eu`');
    expect(allText(preview)).toContain('`tenant&amp;us`');
    expect(allText(preview)).not.toContain('&amp;amp;');
    const confirm = buttons(preview).find((button) => button.action_id === 'flow_bulk_confirm');
    await h.click({ actionId: 'flow_bulk_confirm', value: String(confirm?.value), isEphemeral: true });
    await vi.waitFor(
      () => {
        expect(h.qstash.getKey('tenant&eu')?.isPaused).toBe(false);
        expect(h.qstash.getKey('tenant&us')?.isPaused).toBe(false);
      },
      { timeout: 60_000, interval: 50 },
    );
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.qstash.requests.map((request) => request.key)).not.toContain('tenant&amp;eu');
  });

  it('a message shortcut reads the message’s text as the person wrote it', async () => {
    const h = await harness();
    const { view } = await surfaces(h).messageShortcut({
      text: 'queue stuck on `tenant&amp;eu` since <https://grafana.example/d|the deploy>',
    });
    expect(input(view, 'flow_key')?.element?.initial_option?.value).toBe('tenant&eu');
    expect(JSON.stringify(view)).not.toContain('tenant&amp;amp;eu');
  });

  it('a workflow step’s key and reason are decoded once', async () => {
    const h = await harness();
    const person = { id: ALLOWED_USER, secret: 'c2VjcmV0LWZyb20tc2xhY2s=' };
    const resumed = await surfaces(h).step('resume_flow_key', { key: 'tenant&amp;eu', user: person });
    expect(resumed.status).toBe('completed');
    expect(h.qstash.getKey('tenant&eu')?.isPaused).toBe(false);
    const paused = await surfaces(h).step('pause_flow_key', {
      key: 'orders-eu',
      reason: 'db &amp; cache down',
      user: person,
    });
    expect(paused.status).toBe('completed');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({ action: 'pause', key: 'orders-eu', note: 'db & cache down' }),
    );
  });

  it('a modal’s reason is taken as typed (Slack does not encode it) and shown escaped once', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(view, {
      key: 'orders-eu',
      action: 'pause',
      reason: 'db & cache <down>',
    });
    const confirmation = await h.waitForResponse(submitted.responseUrl);
    expect(allText(confirmation)).toContain('db &amp; cache &lt;down&gt;');
    expect(allText(confirmation)).not.toContain('&amp;amp;');
  });
});
