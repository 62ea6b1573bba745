import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODAL_BLOCKS } from '../../src/slack/blocks/modal.js';
import { FLOW_CONTROL_VIEW, KEY_PICKER } from '../../src/slack/blocks/surface-ids.js';
import {
  appHomeOpenedEvent,
  blockSuggestionPayload,
  eventCallbackBody,
  interactiveBody,
  postToSlackEndpoint,
  viewSubmissionPayload,
} from '../../stand-ins/slack-request.js';
import { allText, type Harness, SIGNING_SECRET, startHarness } from '../support/flowbot-harness.js';
import { held, metric, untilMetric } from '../support/metrics.js';

/**
 * The front door's bound on work in flight (`FLOW_MAX_IN_FLIGHT`), through the real door: past it, requests
 * are answered "overloaded" and never handed over (QStash sees nothing of them); under it, everything goes
 * through; once the work finishes, there is room again. Counted in requests and QStash calls, never in time.
 */

const PEOPLE = ['UPERSON001', 'UPERSON002', 'UPERSON003', 'UPERSON004', 'UPERSON005'];
const SOMEONE = 'UPERSON001';
const OVERLOADED = /Flowbot is overloaded, nothing was changed, try again in \d+ s\./;

const final = (body: { text?: string }) => !String(body.text ?? '').startsWith(':hourglass');
const REFUSED = 'flowbot_overload_refusals_total{environment="",reason="in_flight"}';

describe('the front door’s bound on requests in flight (FLOW_MAX_IN_FLIGHT)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  }, 120_000);

  it('past the bound: commands, clicks, menus, modal submissions and events are answered without the app; then there is room again', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(','), FLOW_MAX_IN_FLIGHT: '2' },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    for (const key of ['k-a', 'k-b', 'k-over', 'k-later'])
      h.qstash.setKey({ flowControlKey: key, isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-a' });
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-b' });

    // Under the bound: handed over, and their work waits on QStash.
    const first = await h.command('/flow-resume', 'k-a', { user: PEOPLE[0] });
    const second = await h.command('/flow-resume', 'k-b', { user: PEOPLE[1] });
    for (const ack of [first, second]) expect(ack.body).not.toMatch(OVERLOADED);
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n === 2);

    // A command: the overload message is its acknowledgement, privately.
    const command = await h.command('/flow-resume', 'k-over', { user: PEOPLE[2] });
    expect(command.status).toBe(200);
    const commandAck = JSON.parse(command.body) as { response_type?: string; text?: string };
    expect(commandAck.response_type).toBe('ephemeral');
    expect(commandAck.text).toMatch(OVERLOADED);

    // Help, usage and a mistyped key are answered from the text alone, as ever: not "overloaded".
    for (const [name, text, expected] of [
      ['/flow', 'help', /\/flow-resume/],
      ['/flow-resume', '', /\/flow-resume/],
      ['/flow-resume', 'bad key!', /key/i],
    ] as const) {
      const answer = await h.command(name, text, { user: PEOPLE[2] });
      expect(answer.status).toBe(200);
      expect(answer.body, `${name} ${text}`).not.toMatch(OVERLOADED);
      expect(allText(JSON.parse(answer.body)), `${name} ${text}`).toMatch(expected);
    }

    // A click: acknowledged, and told through its response_url (Slack shows nothing of a click's ack).
    const click = await h.click({ userId: PEOPLE[3], actionId: 'flow_resume', value: 'k-over' });
    expect(click.status).toBe(200);
    const note = await h.waitForResponse(click.responseUrl);
    expect(note.response_type).toBe('ephemeral');
    expect(allText(note)).toMatch(OVERLOADED);

    // A key picker's menu: no options, at once, without asking the app.
    const menu = await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      interactiveBody(blockSuggestionPayload({ userId: SOMEONE, actionId: KEY_PICKER, value: 'k-' })),
    );
    expect(JSON.parse(menu.body)).toEqual({ options: [] });

    // The Flow control modal: it stays open, saying so on the action field.
    const submission = await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      interactiveBody(
        viewSubmissionPayload({
          userId: SOMEONE,
          view: { id: 'V0OVERLOAD', callback_id: FLOW_CONTROL_VIEW },
          values: {
            [MODAL_BLOCKS.key]: {
              [KEY_PICKER]: {
                type: 'external_select',
                selected_option: { value: 'default:k-over', text: { type: 'plain_text', text: 'k-over' } },
              },
            },
            [MODAL_BLOCKS.action]: {
              [MODAL_BLOCKS.action]: {
                type: 'static_select',
                selected_option: { value: 'resume', text: { type: 'plain_text', text: 'Resume' } },
              },
            },
          },
        }),
      ),
    );
    const submitted = JSON.parse(submission.body) as {
      response_action?: string;
      errors?: Record<string, string>;
    };
    expect(submitted.response_action).toBe('errors');
    expect(submitted.errors?.[MODAL_BLOCKS.action]).toMatch(OVERLOADED);

    // An event Slack would send again: acknowledged, dropped, logged.
    const event = await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      eventCallbackBody(appHomeOpenedEvent(SOMEONE)),
      { contentType: 'application/json' },
    );
    expect(event.status).toBe(200);
    await vi.waitFor(() => expect(h.logs.text).toContain('an event was acknowledged and dropped'), {
      timeout: 30_000,
    });

    expect(await metric(h, REFUSED)).toBe(5);
    expect(h.logs.text).toContain('Flowbot is overloaded: new requests are answered so');
    // None of it reached the app: QStash heard nothing of the refused key, nobody's Home tab was published.
    expect(h.qstash.requests.filter((r) => r.key === 'k-over')).toHaveLength(0);
    expect(h.slack.calls.filter((c) => c.method === 'views.publish')).toEqual([]);
    expect(h.logs.audits().filter((a) => a.key === 'k-over')).toEqual([]);

    // The work in flight finishes; every request handed over gets its reply.
    gate.release();
    const replies = await Promise.all(
      [first, second].map((ack) => h.waitForResponse(ack.responseUrl, final)),
    );
    for (const reply of replies) expect(allText(reply)).toContain('resumed');
    await untilMetric(h, 'flowbot_inflight_work', (n) => n === 0);
    await vi.waitFor(() => expect(h.logs.text).toContain('Flowbot is taking requests again'), {
      timeout: 30_000,
    });

    // Room again, as much as the bound allows: two at once, both handed over and done.
    const again = await Promise.all([
      h.command('/flow-resume', 'k-over', { user: PEOPLE[2] }),
      h.command('/flow-resume', 'k-later', { user: PEOPLE[3] }),
    ]);
    for (const ack of again) expect(ack.body).not.toMatch(OVERLOADED);
    const done = await Promise.all(again.map((ack) => h.waitForResponse(ack.responseUrl, final)));
    for (const reply of done) expect(allText(reply)).toContain('resumed');
    expect(h.qstash.getKey('k-over')?.isPaused).toBe(false);
    expect(await metric(h, REFUSED)).toBe(5);
  });

  it('under the bound nothing is refused: a burst as large as the bound all goes through', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(','), FLOW_MAX_IN_FLIGHT: String(PEOPLE.length) },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'orders' });
    const acks = await Promise.all(PEOPLE.map((user) => h.command('/flow-resume', 'orders', { user })));
    for (const ack of acks) expect(ack.body).not.toMatch(OVERLOADED);
    // Requests that joined the first one's shared call count too: the next one is past the bound.
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n === PEOPLE.length);
    const over = await h.command('/flow-resume', 'orders', { user: PEOPLE[0] });
    expect(JSON.parse(over.body).text).toMatch(OVERLOADED);
    gate.release();
    const replies = await Promise.all(acks.map((ack) => h.waitForResponse(ack.responseUrl, final)));
    expect(replies.filter((reply) => reply.response_type === 'in_channel')).toHaveLength(1);
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(await metric(h, REFUSED)).toBe(1);
  });
});

describe('the front door’s bound while QStash is stuck', () => {
  it('says "try again in 60 s" once nothing has ended for 30 s, whatever background work ends meanwhile', {
    timeout: 180_000,
  }, async () => {
    const h = await startHarness({
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(','), FLOW_MAX_IN_FLIGHT: '2' },
      qstash: { attemptTimeoutMs: 120_000, totalTimeoutMs: 120_000 },
      // Home tabs redrawn often: background work that keeps ending while the requests' work can't.
      flowbot: { homes: { debounceMs: 10, rebuildEveryMs: 500 } },
    });
    const gate = held();
    try {
      for (const key of ['k-a', 'k-b', 'k-c']) h.qstash.setKey({ flowControlKey: key, isPaused: true });
      h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-a' });
      h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-b' });
      await h.command('/flow-resume', 'k-a', { user: PEOPLE[0] });
      await h.command('/flow-resume', 'k-b', { user: PEOPLE[1] });
      await untilMetric(h, 'flowbot_changes_in_flight', (n) => n === 2);
      const early = await h.command('/flow-resume', 'k-c', { user: PEOPLE[2] });
      expect(JSON.parse(early.body).text).toMatch(/try again in 10 s/);
      // The product's "stuck" threshold is 30 s of nothing ending: wait past it.
      await new Promise((resolve) => setTimeout(resolve, 33_000));
      const stuck = await h.command('/flow-resume', 'k-c', { user: PEOPLE[2] });
      expect(JSON.parse(stuck.body).text).toMatch(/try again in 60 s/);
    } finally {
      gate.release();
      await h.close();
    }
  });
});
