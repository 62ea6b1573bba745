import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  eventCallbackBody,
  functionExecutedEvent,
  postToSlackEndpoint,
} from '../../stand-ins/slack-request.js';
import { ALLOWED_USER, harnessPerTest, SIGNING_SECRET, STRANGER } from '../support/flowbot-harness.js';
import { ended, outputParameters, surfaces } from '../support/surfaces.js';

/** Workflow Builder steps, delivered as `function_executed` events through the front door. */
const harness = harnessPerTest({ frontDoor: true }, (h) => {
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12_340, parallelismMax: 10 });
  h.qstash.setKey({ flowControlKey: 'payments-us', waitListSize: 40, rateMax: 50, ratePeriod: 60 });
});

/** What Workflow Builder sends for "Person who used this workflow". */
const person = (id: string) => ({ id, secret: 'c2VjcmV0LWZyb20tc2xhY2s=' });

describe('Workflow Builder steps', () => {
  it('resume_flow_key resumes as the person running the workflow and outputs what it released', async () => {
    const h = await harness();
    const execution = await surfaces(h).step('resume_flow_key', {
      key: 'orders-eu',
      user: person(ALLOWED_USER),
    });
    expect(execution.status).toBe('completed');
    // The execution's token and the person's context secret are secrets like any token: never logged.
    expect(h.logs.text).not.toContain(execution.botAccessToken);
    expect(h.logs.text).not.toContain(person(ALLOWED_USER).secret);
    expect(execution.outputs).toMatchObject({
      released: 12_340,
      paused: false,
      state: expect.stringContaining('delivering'),
    });
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', source: 'workflow', outcome: 'done' }),
    );
  });

  it('refuses someone without access with the reason, and changes nothing', async () => {
    const h = await harness();
    const execution = await surfaces(h).step('resume_flow_key', { key: 'orders-eu', user: person(STRANGER) });
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('Flowbot did not resume "orders-eu"');
    expect(execution.error).toContain('not on Flowbot’s access list');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({ actor: STRANGER, action: 'resume', source: 'workflow', outcome: 'denied' }),
    );
  });

  it('does not make a change that needs a second person’s approval, and says so', async () => {
    const policy = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(
      policy,
      'version: 1\nrules: []\napprovals:\n  - name: two for orders\n    actions: [resume]\n    keys: ["orders-*"]\n',
    );
    const h = await harness({ env: { FLOW_POLICY_FILE: policy } });
    const execution = await surfaces(h).step('resume_flow_key', {
      key: 'orders-eu',
      user: person(ALLOWED_USER),
    });
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('needs a second person’s approval (two for orders)');
    expect(execution.error).toContain('/flow resume orders-eu');
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(0);
    // Nothing waits for an approval nobody will see: no card, and the attempt is recorded as refused.
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({
        actor: ALLOWED_USER,
        action: 'resume',
        source: 'workflow',
        outcome: 'denied',
      }),
    );
  });

  it('ends with QStash’s failure in words when QStash is down', async () => {
    const h = await harness();
    h.qstash.unavailable(20);
    const execution = await surfaces(h).step('resume_flow_key', {
      key: 'orders-eu',
      user: person(ALLOWED_USER),
    });
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('QStash is unavailable');
  });

  it('completes when QStash takes 2 s per answer', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
    });
    h.qstash.latencyMs = 2_000;
    const execution = await surfaces(h).step(
      'get_flow_key',
      { key: 'orders-eu', user: person(ALLOWED_USER) },
      20_000,
    );
    expect(execution.status).toBe('completed');
    expect(execution.outputs).toMatchObject({ paused: true, waitlist: 12_340, parallelism_max: 10 });
  }, 30_000);

  it('never leaves a step hanging: QStash that never answers ends it with an error within the bound', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 60_000, totalTimeoutMs: 120_000, baseDelayMs: 10, maxAttempts: 1 },
      flowbot: { workflowStepTimeoutMs: 2_000 },
    });
    h.qstash.inject({ kind: 'hang', times: 10 });
    const execution = await surfaces(h).step('pause_flow_key', {
      key: 'payments-us',
      user: person(ALLOWED_USER),
      reason: 'deploy',
    });
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('QStash did not answer within 2 seconds');
    expect(execution.error).toContain('may or may not have applied it');
  });

  it('pause_flow_key pauses with the reason and, with minutes, resumes by itself later', async () => {
    const h = await harness();
    const before = Date.now();
    const execution = await surfaces(h).step('pause_flow_key', {
      key: 'payments-us',
      user: person(ALLOWED_USER),
      reason: 'deploy window',
      minutes: 15,
    });
    expect(execution.status).toBe('completed');
    expect(execution.outputs).toMatchObject({ paused: true, waitlist: 40 });
    const resumeAt = execution.outputs?.resume_at as number;
    // 15 minutes from the pause, which came after `before` (unix seconds, rounded down).
    expect(resumeAt).toBeGreaterThanOrEqual(Math.floor((before + 15 * 60_000) / 1000));
    expect(resumeAt * 1000).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    expect(h.qstash.getKey('payments-us')?.isPaused).toBe(true);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({
        action: 'pause',
        source: 'workflow',
        outcome: 'done',
        note: 'deploy window',
      }),
    );
  });

  it('get_flow_key outputs the key’s state', async () => {
    const h = await harness();
    const execution = await surfaces(h).step('get_flow_key', {
      key: 'payments-us',
      user: person(ALLOWED_USER),
    });
    expect(execution.outputs).toEqual({
      paused: false,
      waitlist: 40,
      state: 'delivering · 40 waiting · rate 0/50 per 1m',
      parallelism_count: 0,
      rate_count: 0,
      rate_max: 50,
      rate_period_seconds: 60,
      pinned_parallelism: false,
      pinned_rate: false,
    });
  });

  it('ends with an error for inputs it can’t use, including a user a workflow builder typed in', async () => {
    const h = await harness();
    const s = surfaces(h);
    const cases: [string, Record<string, unknown>, string][] = [
      ['resume_flow_key', { key: 'orders-eu', user: ALLOWED_USER }, 'person who runs the workflow'],
      ['resume_flow_key', { key: 'orders-eu' }, 'person who runs the workflow'],
      ['resume_flow_key', { key: 'orders eu', user: person(ALLOWED_USER) }, 'spaces'],
      ['get_flow_key', { key: 'x'.repeat(300), user: person(ALLOWED_USER) }, 'at most 256'],
      ['pause_flow_key', { key: 'orders-eu', user: person(ALLOWED_USER) }, 'reason'],
      [
        'pause_flow_key',
        { key: 'orders-eu', user: person(ALLOWED_USER), reason: 'x', minutes: 0 },
        'minutes',
      ],
      [
        'pause_flow_key',
        { key: 'orders-eu', user: person(ALLOWED_USER), reason: 'x', minutes: 99_999 },
        'minutes',
      ],
    ];
    for (const [step, inputs, words] of cases) {
      const execution = await s.step(step, inputs);
      expect(execution.status, JSON.stringify(inputs)).toBe('failed');
      expect(execution.error, JSON.stringify(inputs)).toContain(words);
    }
    expect(h.qstash.requests.filter((r) => r.route !== 'list')).toHaveLength(0);
  });

  it('ends a step this version does not have instead of leaving it hanging', async () => {
    const h = await harness();
    const execution = await surfaces(h).step('archive_flow_key', {
      key: 'orders-eu',
      user: person(ALLOWED_USER),
    });
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('no step called archive_flow_key');
  });

  it('acts once when Slack delivers the same execution again', async () => {
    const h = await harness();
    const execution = h.slack.startFunctionExecution('resume_flow_key', outputParameters('resume_flow_key'));
    const body = eventCallbackBody(
      functionExecutedEvent({
        callbackId: 'resume_flow_key',
        functionExecutionId: execution.functionExecutionId,
        botAccessToken: execution.botAccessToken,
        inputs: { key: 'orders-eu', user: person(ALLOWED_USER) },
      }),
    );
    const finished = ended(h, execution.functionExecutionId);
    const first = await postToSlackEndpoint(h.url, SIGNING_SECRET, body, { contentType: 'application/json' });
    const retry = await postToSlackEndpoint(h.url, SIGNING_SECRET, body, {
      contentType: 'application/json',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect((await finished).status).toBe('completed');
    await expect.poll(() => h.logs.audits().filter((audit) => audit.source === 'workflow').length).toBe(2);
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(h.slack.functionExecution(execution.functionExecutionId)?.completions).toBe(1);
  });
});
