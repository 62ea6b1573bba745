import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QSTASH_ACTIONS } from '../../src/core/operations/change.js';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  GROUP_MEMBER,
  harnessPerTest,
  SIGNING_SECRET,
} from '../support/flowbot-harness.js';
import { buttons, confirmed, startRamp, waitForMessage } from '../support/slack-flows.js';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

const harness = harnessPerTest({}, (h) => h.slack.setChannel(CHANNEL));

/** The emulator's names for QStash's routes, as Flowbot's actions. */
const ACTION_OF_ROUTE: Record<string, string> = {
  pause: 'pause',
  resume: 'resume',
  pin: 'pin',
  unpin: 'unpin',
  resetRate: 'reset-rate',
};

describe('the audit trail', () => {
  it('ties a request’s audit event to the log lines written for it, by its request id', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const responseUrl = h.slack.responseUrl();
    h.slack.failResponseUrl(responseUrl, 500, 10);
    await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/flow-resume',
        text: 'orders',
        user_id: ALLOWED_USER,
        channel_id: CHANNEL,
        response_url: responseUrl,
      }),
    );
    await h.slack.waitForCall('chat.postMessage', (c) => String(c.params.text).includes('resumed'));
    const audit = h.logs.audits().find((event) => event.action === 'resume');
    const line = h.logs.entries().find((entry) => String(entry.msg).startsWith('response_url failed'));
    expect(audit?.requestId).toEqual(expect.any(String));
    expect(line).toMatchObject({ requestId: audit?.requestId, actor: ALLOWED_USER, source: 'command' });
  });

  it('every QStash change leaves exactly one audit event naming it, on every path', async () => {
    const policy = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(policy, 'rules: []\napprovals:\n  - actions: [pause]\n    keys: ["appr-*"]\n');
    const h = await harness({ env: { FLOW_POLICY_FILE: policy } });
    const ramped = { isPaused: true, waitListSize: 1000, rateMax: 50, ratePeriod: 1 };
    for (const key of ['cmd', 'btn']) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    for (const key of ['conf-pause', 'conf-pin', 'conf-unpin', 'conf-reset', 'appr-1', 'timer'])
      h.qstash.setKey({ flowControlKey: key, isPinnedRate: true, rateMax: 10 });
    for (const key of ['ramp-a', 'ramp-b', 'ramp-c']) h.qstash.setKey({ flowControlKey: key, ...ramped });

    // A command and a button.
    const command = await h.command('/flow-resume', 'cmd');
    await h.waitForResponse(command.responseUrl, (b) => b.response_type === 'in_channel');
    const click = await h.click({ actionId: 'flow_resume', value: 'btn', messageTs: '1700000000.000100' });
    await h.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
    // Confirmations, one of each change that asks first.
    for (const text of [
      'pause conf-pause',
      'pin conf-pin rate=5',
      'unpin conf-unpin all',
      'reset-rate conf-reset',
    ])
      await confirmed(h, text, ALLOWED_USER, (b) => b.response_type === 'in_channel');
    // An approval: asked by one person, approved by another.
    await confirmed(h, 'pause appr-1', ALLOWED_USER, (b) => String(b.text).includes('second person'));
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks).includes('flow_approve'),
    );
    const approveId = buttons({ blocks: card.params.blocks }).find(
      (b) => b.action_id === 'flow_approve',
    )!.value;
    const approve = await h.click({ actionId: 'flow_approve', value: approveId, userId: GROUP_MEMBER });
    expect(allText(await h.waitForResponse(approve.responseUrl))).toContain('and done');
    // A timer.
    await confirmed(h, 'pause timer for 1s', ALLOWED_USER, (b) => b.response_type === 'in_channel');
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause over'),
      60_000,
    );
    // Ramps: started, stepped and finished on their own; finished early; aborted.
    const a = await startRamp(h, 'ramp ramp-a over 10s');
    const b = await startRamp(h, 'ramp ramp-b over 1m');
    const c = await startRamp(h, 'ramp ramp-c over 1m');
    const control = (ts: string, blocks: unknown[], actionId: string) =>
      h.click({
        actionId,
        value: buttons({ blocks }).find((button) => button.action_id === actionId)!.value,
        channelId: CHANNEL,
        messageTs: ts,
      });
    await control(b.ts, b.blocks, 'flow_ramp_finish');
    await control(c.ts, c.blocks, 'flow_ramp_abort');
    await waitForMessage(h, b.ts, 'Finished early by');
    await waitForMessage(h, c.ts, 'Ramp aborted');
    await waitForMessage(h, a.ts, 'Ramp finished', 40_000);

    const mutations = h.qstash.mutations.map((m) => `${m.key} ${ACTION_OF_ROUTE[m.action]}`).sort();
    const changes = h.logs
      .audits()
      .filter(
        (event) => (QSTASH_ACTIONS as readonly string[]).includes(event.action) && event.outcome === 'done',
      );
    expect(changes.map((event) => `${event.key} ${event.action}`).sort()).toEqual(mutations);
    // Every path was walked, and each event says who, what started it, and which request it belongs to.
    expect(new Set(changes.map((event) => event.source))).toEqual(
      new Set(['command', 'button', 'confirm', 'approval', 'timer', 'ramp']),
    );
    for (const event of changes) {
      expect(event.actor).toBe(ALLOWED_USER);
      expect(event.requestId).toEqual(expect.any(String));
    }
    const sources = (key: string) =>
      [...new Set(changes.filter((e) => e.key === key).map((e) => e.source))].sort();
    expect(sources('timer')).toEqual(['confirm', 'timer']);
    expect(sources('ramp-a')).toEqual(['ramp']);
    expect(sources('ramp-b')).toEqual(['ramp']);
    // Abort is a pause by the person who clicked; the restore is the ramp's.
    expect(changes.filter((e) => e.key === 'ramp-c' && e.action === 'pause').map((e) => e.source)).toEqual([
      'button',
    ]);
    expect(changes.find((e) => e.key === 'appr-1')).toMatchObject({
      source: 'approval',
      approvedBy: GROUP_MEMBER,
    });
    // A timer's resume belongs to the pause that set it; a ramp's changes to the request that started it.
    const timer = changes.filter((e) => e.key === 'timer');
    expect(new Set(timer.map((e) => e.requestId)).size).toBe(1);
    const rampA = changes.filter((e) => e.key === 'ramp-a');
    expect(new Set(rampA.map((e) => e.requestId)).size).toBe(1);

    // Decisions that are not QStash changes are audited too, by core: approvals and ramp decisions.
    const decisions = h.logs
      .audits()
      .filter((e) => e.outcome === 'done' && ['approve', 'ramp'].includes(e.action));
    expect(decisions.filter((e) => e.action === 'approve')).toHaveLength(1);
    expect(decisions.filter((e) => e.action === 'ramp' && e.ramp === 'started')).toHaveLength(3);
    expect(
      decisions
        .filter((e) => e.action === 'ramp' && e.control)
        .map((e) => e.control)
        .sort(),
    ).toEqual(['abort', 'finish']);
  }, 90_000);
});
