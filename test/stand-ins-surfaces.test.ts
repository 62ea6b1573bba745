import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../stand-ins/fake-slack.js';
import { checkOptionsAnswer, checkView } from '../stand-ins/slack-views.js';

/** The fake Slack's views and function executions are as strict as Slack's; each refusal has a test. */
let slack: FakeSlack;
afterEach(async () => {
  await slack?.close();
});

async function call(
  method: string,
  params: Record<string, unknown>,
  token?: string,
): Promise<Record<string, any>> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? slack.botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return (await response.json()) as Record<string, any>;
}

const modal = (blocks: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: { type: 'plain_text', text: 'Flow control' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks,
  ...extra,
});
const section = (text: string, blockId?: string) => ({
  type: 'section',
  ...(blockId ? { block_id: blockId } : {}),
  text: { type: 'mrkdwn', text },
});
const input = {
  type: 'input',
  block_id: 'k',
  label: { type: 'plain_text', text: 'Key' },
  element: { type: 'plain_text_input', action_id: 'k' },
};

describe('fake Slack views', () => {
  it('opens a modal only with a fresh trigger_id, once', async () => {
    slack = await startFakeSlack();
    expect(await call('views.open', { trigger_id: 'made.up', view: modal() })).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
    const trigger = slack.triggerId('U1');
    const opened = await call('views.open', { trigger_id: trigger, view: modal([section('hi')]) });
    expect(opened.ok).toBe(true);
    expect(opened.view.id).toMatch(/^V/);
    expect(slack.openModals('U1').map((view) => view.id)).toEqual([opened.view.id]);
    expect(await call('views.open', { trigger_id: trigger, view: modal() })).toEqual({
      ok: false,
      error: 'exchanged_trigger_id',
    });
  });

  it('refuses a trigger_id older than its lifetime', async () => {
    slack = await startFakeSlack({ triggerTtlMs: -1 });
    expect(await call('views.open', { trigger_id: slack.triggerId(), view: modal() })).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
  });

  it('refuses views Slack refuses, saying where, without spending the trigger', async () => {
    slack = await startFakeSlack();
    const trigger = slack.triggerId();
    const bad = [
      modal([], { title: { type: 'plain_text', text: 'x'.repeat(25) } }),
      modal([], { title: { type: 'mrkdwn', text: 'x' } }),
      modal(Array.from({ length: 101 }, (_, i) => section(`s${i}`))),
      modal([input]),
      modal([section('a', 'same'), section('b', 'same')]),
      modal([section('')]),
      modal([], { private_metadata: 'x'.repeat(3_001) }),
      modal([input], { submit: { type: 'plain_text', text: 'x'.repeat(25) } }),
      { ...modal(), type: 'home' },
    ];
    for (const view of bad) {
      const answer = await call('views.open', { trigger_id: trigger, view });
      expect(answer.ok, JSON.stringify(view).slice(0, 80)).toBe(false);
      expect(answer.error).toBe('invalid_arguments');
      expect(answer.response_metadata.messages[0]).toMatch(/json-pointer:\/view/);
    }
    expect(
      (
        await call('views.open', {
          trigger_id: trigger,
          view: modal(Array.from({ length: 100 }, (_, i) => section(`s${i}`))),
        })
      ).ok,
    ).toBe(true);
  });

  it('updates a view by id, refusing a stale hash and unknown views', async () => {
    slack = await startFakeSlack();
    const opened = await call('views.open', {
      trigger_id: slack.triggerId('U1'),
      view: modal([section('one')]),
    });
    const { id, hash } = opened.view;
    expect(await call('views.update', { view_id: 'V404', view: modal() })).toEqual({
      ok: false,
      error: 'not_found',
    });
    const updated = await call('views.update', { view_id: id, hash, view: modal([section('two')]) });
    expect(updated.ok).toBe(true);
    expect(updated.view.id).toBe(id);
    expect(await call('views.update', { view_id: id, hash, view: modal([section('three')]) })).toEqual({
      ok: false,
      error: 'hash_conflict',
    });
    expect(JSON.stringify(slack.view(id)?.blocks)).toContain('two');
    slack.closeView(id);
    expect(await call('views.update', { view_id: id, view: modal() })).toEqual({
      ok: false,
      error: 'not_found',
    });
  });

  it('publishes a Home tab per person, with Home rules (a home view, 100 blocks)', async () => {
    slack = await startFakeSlack();
    const home = (blocks: unknown[]) => ({ type: 'home', blocks });
    expect(await call('views.publish', { user_id: 'not-a-user', view: home([]) })).toEqual({
      ok: false,
      error: 'user_not_found',
    });
    expect(
      (await call('views.publish', { user_id: 'U0001', view: { ...home([input]), type: 'modal' } })).error,
    ).toBe('invalid_arguments');
    expect(
      (await call('views.publish', { user_id: 'U0001', view: home(Array(101).fill({ type: 'divider' })) }))
        .error,
    ).toBe('invalid_arguments');
    const first = await call('views.publish', { user_id: 'U0001', view: home([section('a')]) });
    const second = await call('views.publish', { user_id: 'U0001', view: home([section('b')]) });
    expect(second.view.id).toBe(first.view.id);
    expect(JSON.stringify(slack.homeView('U0001')?.blocks)).toContain('"b"');
    expect(slack.homeView('U0002')).toBeUndefined();
  });

  it('checks an options load URL’s answer as Slack does', () => {
    const option = (text: string, value: string) => ({ text: { type: 'plain_text', text }, value });
    expect(checkOptionsAnswer({ options: [option('a', 'a')] })).toEqual([]);
    expect(checkOptionsAnswer({ options: Array(101).fill(option('a', 'a')) })).toHaveLength(1);
    expect(checkOptionsAnswer({ options: [option('x'.repeat(76), 'a')] })).toHaveLength(1);
    expect(checkOptionsAnswer({ options: [option('a', 'x'.repeat(151))] })).toHaveLength(1);
    expect(checkOptionsAnswer({ options: [option('a', '')] })).toHaveLength(1);
    expect(checkOptionsAnswer([])).toHaveLength(1);
    expect(checkView({ type: 'home', blocks: [] }, 'home')).toBeUndefined();
  });
});

describe('fake Slack function executions', () => {
  const outputs = [
    { name: 'paused', type: 'boolean', is_required: true },
    { name: 'waitlist', type: 'integer' },
  ];

  it('completes an execution once, with its own token and outputs that fit its parameters', async () => {
    slack = await startFakeSlack();
    const execution = slack.startFunctionExecution('get_flow_key', outputs);
    const id = execution.functionExecutionId;
    expect(
      await call('functions.completeSuccess', { function_execution_id: id, outputs: { paused: true } }),
    ).toEqual({
      ok: false,
      error: 'function_execution_not_found',
    });
    const token = execution.botAccessToken;
    const refused = [
      { waitlist: 3 },
      { paused: 'yes' },
      { paused: true, waitlist: 1.5 },
      { paused: true, extra: 1 },
    ];
    for (const bad of refused) {
      const answer = await call(
        'functions.completeSuccess',
        { function_execution_id: id, outputs: bad },
        token,
      );
      expect(answer.error, JSON.stringify(bad)).toBe('parameter_validation_failed');
    }
    expect(
      await call(
        'functions.completeSuccess',
        { function_execution_id: id, outputs: { paused: true, waitlist: 3 } },
        token,
      ),
    ).toEqual({ ok: true });
    expect(
      await call('functions.completeError', { function_execution_id: id, error: 'late' }, token),
    ).toEqual({
      ok: false,
      error: 'execution_not_in_running_state',
    });
    expect(slack.functionExecution(id)).toMatchObject({
      status: 'completed',
      outputs: { paused: true, waitlist: 3 },
    });
  });

  it('fails an execution with words, and needs them', async () => {
    slack = await startFakeSlack();
    const execution = slack.startFunctionExecution('resume_flow_key', outputs);
    const args = { function_execution_id: execution.functionExecutionId };
    expect((await call('functions.completeError', args, execution.botAccessToken)).error).toBe(
      'invalid_arguments',
    );
    expect(
      await call('functions.completeError', { ...args, error: 'refused' }, execution.botAccessToken),
    ).toEqual({ ok: true });
    expect(slack.functionExecution(execution.functionExecutionId)).toMatchObject({
      status: 'failed',
      error: 'refused',
    });
  });
});
