import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/slack/blocks/alert.js';
import { ALLOWED_USER, allText, CHANNEL, harnessPerTest, STRANGER } from '../support/flowbot-harness.js';
import { surfaces } from '../support/surfaces.js';

/** The Flow control modal, its shortcuts and `/flow` alone, through the front door as `npm start` runs it. */
const harness = harnessPerTest({ frontDoor: true }, (h) => {
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12_340, parallelismMax: 10 });
  h.qstash.setKey({ flowControlKey: 'payments-us', waitListSize: 40, rateMax: 50, ratePeriod: 60 });
});

type Block = { type: string; block_id?: string; element?: Record<string, any>; elements?: any[] };
const blocks = (view: { blocks: unknown[] }) => view.blocks as Block[];
const input = (view: { blocks: unknown[] }, id: string) =>
  blocks(view).find((block) => block.block_id === id);

describe('Flow control modal', () => {
  it('opens from the global shortcut with the key picker, the action and the channel to answer in', async () => {
    const h = await harness();
    const { ack, view } = await surfaces(h).shortcut();
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(view.callback_id).toBe('flow_control_modal');
    expect(view.title).toEqual({ type: 'plain_text', text: 'Flow control' });
    expect(input(view, 'flow_key')?.element).toMatchObject({
      type: 'external_select',
      action_id: 'flow_key',
    });
    expect(input(view, 'flow_action')?.element?.initial_option?.value).toBe('status');
    expect(input(view, 'flow_channel')?.element).toMatchObject({
      type: 'conversations_select',
      response_url_enabled: true,
      default_to_current_conversation: true,
    });
  });

  it('shows someone without access how to get it instead of the form, naming no key', async () => {
    const h = await harness();
    const { view } = await surfaces(h).shortcut(STRANGER);
    expect(JSON.stringify(view)).toContain('You don’t have access to Flowbot yet');
    expect(blocks(view).some((block) => block.type === 'input')).toBe(false);
    expect(JSON.stringify(view)).not.toContain('orders-eu');
  });

  it('resumes on submit like /flow resume: the channel is told who resumed what', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(view, { key: 'orders-eu', action: 'resume' });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    const told = await h.waitForResponse(
      submitted.responseUrl,
      (body) => body.response_type === 'in_channel',
    );
    expect(allText(told)).toContain(`<@${ALLOWED_USER}> resumed`);
    expect(allText(told)).toContain('12,340 waiting messages released');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.logs.audits()).toContainEqual(
      // Opened from the global shortcut: the audit says so.
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', source: 'shortcut', outcome: 'done' }),
    );
  });

  it('asks to confirm a pause, as /flow pause does, and Confirm pauses for the given time', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(view, {
      key: 'payments-us',
      action: 'pause',
      reason: 'deploy <!channel> window',
      duration: '15m',
    });
    expect(submitted.body).toBe('');
    const confirmation = await h.waitForResponse(submitted.responseUrl);
    expect(confirmation.response_type).toBe('ephemeral');
    expect(allText(confirmation)).toContain('Pause `payments-us`?');
    expect(allText(confirmation)).toContain('deploy &lt;!channel&gt; window');
    expect(h.qstash.getKey('payments-us')?.isPaused).toBe(false);
    const confirm = (confirmation.blocks as any[])
      .flatMap((block) => (block.type === 'actions' ? block.elements : []))
      .find((element) => element.action_id === 'flow_confirm');
    const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
    const done = await h.waitForResponse(click.responseUrl, (body) => body.response_type === 'in_channel');
    expect(allText(done)).toContain('resume it automatically');
    expect(h.qstash.getKey('payments-us')?.isPaused).toBe(true);
  });

  it('shows problems beside the inputs and keeps the modal open; nothing runs', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const cases: [Parameters<typeof s.submit>[1], string][] = [
      [{ action: 'resume' }, 'flow_key'],
      [{ key: 'orders-eu', action: 'pause', duration: '15 fortnights' }, 'flow_for'],
      [{ key: 'orders-eu', action: 'pause', duration: '9999h' }, 'flow_for'],
      [{ key: 'orders-eu', action: 'pause', reason: 'x'.repeat(501) }, 'flow_reason'],
      [{ key: 'orders-eu', action: 'pause', reason: 'bell\u0007' }, 'flow_reason'],
      [{ key: 'orders-eu', action: 'pin' }, 'flow_parallelism'],
      [{ key: 'orders-eu', action: 'pin', rate: '5', period: 'soon' }, 'flow_period'],
      [{ key: 'orders-eu', action: 'pin', parallelism: '0' }, 'flow_parallelism'],
      [{ key: 'orders-eu', action: 'ramp', rampOver: '2d' }, 'flow_ramp_over'],
      [{ key: 'orders-eu', action: 'ramp', rampFrom: '5' }, 'flow_ramp_mode'],
      [{ key: 'orders eu', action: 'status' }, 'flow_key'],
      [{ key: 'a'.repeat(300), action: 'status' }, 'flow_key'],
      [{ key: 'orders-eu', action: 'explode' }, 'flow_action'],
      [{ key: 'orders-eu', action: 'status', channel: 'not-a-channel' }, 'flow_channel'],
    ];
    for (const [form, blockId] of cases) {
      const submitted = await s.submit(view, form);
      expect(submitted.status).toBe(200);
      expect(submitted.ackBody.response_action, JSON.stringify(form)).toBe('errors');
      expect(Object.keys(submitted.ackBody.errors), JSON.stringify(form)).toContain(blockId);
    }
    await expect
      .poll(() => h.logs.audits().filter((audit) => audit.source === 'shortcut').length)
      .toBe(cases.length);
    expect(h.logs.audits().every((audit) => audit.outcome === 'invalid')).toBe(true);
    expect(h.qstash.requests.filter((r) => r.route !== 'list')).toHaveLength(0);
    expect(h.slack.responses()).toHaveLength(0);
  });

  it('redraws with the chosen action’s fields, keeping the picked key', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    expect(input(view, 'flow_reason')).toBeUndefined();
    await s.chooseAction(view, 'pause', { key: 'orders-eu' });
    const update = await h.slack.waitForCall('views.update');
    expect(update.response?.ok).toBe(true);
    expect(update.params.view_id).toBe(view.id);
    expect(update.params.hash).toBe(view.hash);
    const redrawn = h.slack.view(view.id)!;
    expect(input(redrawn, 'flow_reason')).toBeDefined();
    expect(input(redrawn, 'flow_for')).toBeDefined();
    expect(input(redrawn, 'flow_key')?.element?.initial_option?.value).toBe('orders-eu');
    expect(redrawn.submit).toEqual({ type: 'plain_text', text: 'Review pause' });
  });

  it('refuses a submission from someone without access, privately; nothing changes', async () => {
    const h = await harness();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(view, { key: 'orders-eu', action: 'resume' }, { user: STRANGER });
    const refusal = await h.waitForResponse(submitted.responseUrl);
    expect(refusal.response_type).toBe('ephemeral');
    expect(allText(refusal)).toContain('You can’t resume');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('closes at once while QStash takes 2 s, and the outcome follows', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
    });
    const s = surfaces(h);
    const { view } = await s.shortcut();
    h.qstash.latencyMs = 2_000;
    const submitted = await s.submit(view, { key: 'orders-eu', action: 'resume' });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    // Acknowledged before QStash answered anything for this submission.
    expect(h.qstash.requests.filter((r) => r.route !== 'list').every((r) => r.status === undefined)).toBe(
      true,
    );
    // Three QStash calls at 2 s each: read, resume, read.
    const told = await h.slack.waitForResponse(
      submitted.responseUrl,
      (body) => body.response_type === 'in_channel',
      15_000,
    );
    expect(allText(told)).toContain('resumed');
  }, 30_000);

  it('asks for approval in the chosen channel when the change needs a second person', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbot-policy-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      'version: 1\nrules: []\napprovals:\n  - name: two for orders\n    actions: [resume]\n    keys: ["orders-*"]\n',
    );
    const h = await harness({ env: { FLOW_POLICY_FILE: policy } });
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(view, { key: 'orders-eu', action: 'resume', channel: 'COTHER001' });
    const card = await h.slack.waitForCall('chat.postMessage', (c) => c.params.channel === 'COTHER001');
    expect(allText(card.params as any)).toContain('needs a second person’s approval');
    expect(allText(await h.waitForResponse(submitted.responseUrl))).toContain(
      'needs a second person’s approval',
    );
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });
});

describe('message shortcut (flow_message_action)', () => {
  it('finds a labelled key in an alert and opens the modal with it, Resume chosen for a paused key', async () => {
    const h = await harness();
    const s = surfaces(h);
    await s.suggest('');
    const { view, ack } = await s.messageShortcut({
      text: '[FIRING:1] QStashKeyPaused (flow_control_key="orders-eu" severity="critical") and `payments-us`',
    });
    expect(ack.status).toBe(200);
    expect(input(view, 'flow_key')?.element?.initial_option?.value).toBe('orders-eu');
    expect(input(view, 'flow_action')?.element?.initial_option?.value).toBe('resume');
    expect(JSON.stringify(view)).toContain('Also in the message');
    expect(input(view, 'flow_channel')?.element?.initial_conversation).toBe(CHANNEL);
  });

  it('reads Flowbot’s own buttons and code spans, and says when a message names no key', async () => {
    const h = await harness();
    const s = surfaces(h);
    const alert = alertMessage(
      { target: { environment: 'default', key: 'payments-us' }, title: 'payments-us is slow' },
      { environmentCount: 1 },
    );
    const fromButtons = await s.messageShortcut({ text: alert.text, blocks: alert.blocks });
    expect(input(fromButtons.view, 'flow_key')?.element?.initial_option?.value).toBe('payments-us');
    const fromCode = await s.messageShortcut({ text: 'can someone look at `orders-eu`?' });
    expect(input(fromCode.view, 'flow_key')?.element?.initial_option?.value).toBe('orders-eu');
    const none = await s.messageShortcut({ text: 'lunch?' });
    expect(input(none.view, 'flow_key')?.element?.initial_option).toBeUndefined();
    expect(JSON.stringify(none.view)).toContain('No flow-control key found in that message');
  });

  it('tells someone without access how to get it, without repeating the keys the message names', async () => {
    const h = await harness();
    const { view } = await surfaces(h).messageShortcut(
      { text: 'flow_control_key="orders-eu" is paused' },
      { user: STRANGER },
    );
    expect(JSON.stringify(view)).toContain('You don’t have access to Flowbot yet');
    expect(JSON.stringify(view)).not.toContain('orders-eu');
  });

  it('opens at once while QStash takes 2 s: nothing waits for QStash within the trigger’s 3 seconds', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
    });
    h.qstash.latencyMs = 2_000;
    const { view } = await surfaces(h).messageShortcut({ text: 'please resume `orders-eu`' });
    expect(input(view, 'flow_key')?.element?.initial_option?.value).toBe('orders-eu');
    // Opened before QStash answered the key list it was asked for in the background.
    expect(h.qstash.requests.every((r) => r.status === undefined)).toBe(true);
  });

  it('keeps a hostile message’s text as data', async () => {
    const h = await harness();
    const { view } = await surfaces(h).messageShortcut({
      text: '<!channel> look at `a&amp;b` and `<@U999>` &lt;script&gt;',
    });
    // Decoded once where it came in (`&amp;` is `&`), escaped once where it goes out.
    expect(input(view, 'flow_key')?.element?.initial_option?.value).toBe('a&b');
    expect(JSON.stringify(view)).toContain('`@U999`');
    expect(JSON.stringify(view)).not.toContain('<!channel>');
    expect(JSON.stringify(view)).not.toContain('<@U999>');
  });
});

describe('/flow alone', () => {
  it('opens the modal with the command’s trigger_id, answering in the command’s channel', async () => {
    const h = await harness();
    const ack = await h.command('/flow', '   ');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const opened = await h.slack.waitForCall('views.open');
    const view = h.slack.view(String((opened.response?.view as { id?: string } | undefined)?.id))!;
    expect(input(view, 'flow_channel')?.element?.initial_conversation).toBe(CHANNEL);
  });

  it('submits through the pipeline with source modal, as the person who ran /flow', async () => {
    const h = await harness();
    const ack = await h.command('/flow', '');
    const opened = await h.slack.waitForCall(
      'views.open',
      (call) => call.params.trigger_id === ack.triggerId,
    );
    const view = h.slack.view(String((opened.response?.view as { id?: string } | undefined)?.id))!;
    const submitted = await surfaces(h).submit(view, { key: 'orders-eu', action: 'resume' });
    expect(submitted.body).toBe('');
    await h.waitForResponse(submitted.responseUrl, (body) => body.response_type === 'in_channel');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', source: 'modal', outcome: 'done' }),
    );
  });

  it('shows help when Slack won’t open the modal', async () => {
    const h = await harness();
    h.slack.failMethod('views.open', { kind: 'error', error: 'expired_trigger_id' });
    const ack = await h.command('/flow', '');
    const help = await h.waitForResponse(ack.responseUrl);
    expect(help.response_type).toBe('ephemeral');
    for (const sub of ['status', 'list', 'pause', 'resume', 'pin', 'unpin', 'reset-rate', 'global', 'help'])
      expect(allText(help)).toContain(`/flow ${sub}`);
  });
});
