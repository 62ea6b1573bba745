import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  GROUP_MEMBER,
  type Harness,
  STRANGER,
  startHarness,
} from '../support/flowbot-harness.js';

describe('/flow-resume through the real door', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12340, parallelismMax: 10 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('resumes for an allowed user and tells the channel who did it, with the state afterwards', async () => {
    const ack = await h.command('/flow-resume', 'orders-eu');
    expect(ack.status).toBe(200);
    const reply = await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    const text = allText(reply);
    expect(text).toContain(`<@${ALLOWED_USER}>`);
    expect(text).toContain('`orders-eu`');
    expect(text).toContain('12,340 waiting messages released');
    expect(text).toContain('delivering');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.qstash.appliedMutations('orders-eu', 'resume')).toBe(1);
    const resume = h.qstash.requests.find((r) => r.route === 'resume');
    expect(resume?.authorization).toBe(`Bearer ${h.qstash.tokens[0]}`);
    expect(resume?.rawPath).toBe('/v2/flowControl/orders-eu/resume');
  });

  it('audits the attempt with actor, action, key, environment, channel, outcome and latency', async () => {
    const ack = await h.command('/flow-resume', 'orders-eu');
    await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    const audit = h.logs.audits().find((event) => event.action === 'resume');
    expect(audit).toMatchObject({
      actor: ALLOWED_USER,
      action: 'resume',
      key: 'orders-eu',
      environment: 'default',
      channel: CHANNEL,
      outcome: 'done',
      source: 'command',
    });
    expect(typeof audit?.latencyMs).toBe('number');
  });

  it('refuses a user who is not on the allowlist, privately, without calling QStash', async () => {
    const ack = await h.command('/flow-resume', 'orders-eu', { user: STRANGER });
    expect(ack.status).toBe(200);
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('not on Flowbot’s access list');
    expect(h.qstash.requests).toHaveLength(0);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.logs.audits()).toContainEqual(expect.objectContaining({ actor: STRANGER, outcome: 'denied' }));
  });

  it('puts a private outcome in place of the “Resuming…” note; a public one is posted to the channel', async () => {
    for (const [command, text] of [
      ['/flow-resume', 'orders-eu'],
      ['/flow', 'resume orders-eu'],
    ] as const) {
      const refused = await h.command(command, text, { user: STRANGER });
      expect(JSON.parse(refused.body).text).toContain('Resuming');
      const refusal = await h.waitForResponse(refused.responseUrl);
      expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: true });
      expect(allText(refusal)).toContain('not on Flowbot’s access list');
      expect(h.slack.responses(refused.responseUrl)).toHaveLength(1);
    }
    const missing = await h.command('/flow-resume', 'no-such-key');
    const failure = await h.waitForResponse(missing.responseUrl);
    expect(failure).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(allText(failure)).toContain('no-such-key');

    const done = await h.command('/flow-resume', 'orders-eu');
    const announcement = await h.waitForResponse(done.responseUrl);
    // An ephemeral message can't become a channel message: the announcement is posted, not swapped in.
    expect(announcement.response_type).toBe('in_channel');
    expect(announcement.replace_original).toBeFalsy();
  });

  it('allows a member of an allowed user group', async () => {
    const ack = await h.command('/flow-resume', 'orders-eu', { user: GROUP_MEMBER });
    const reply = await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    expect(allText(reply)).toContain(`<@${GROUP_MEMBER}>`);
    // One at startup (whether the group exists; it fills no cache), one for the request.
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('caches group membership between requests', async () => {
    for (let i = 0; i < 3; i++) {
      const ack = await h.command('/flow-resume', 'orders-eu', { user: GROUP_MEMBER });
      await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    }
    // The startup check's call, and one for the three requests.
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('denies and says why when Slack cannot answer the group lookup', async () => {
    h.slack.failMethod('usergroups.users.list', { kind: 'status', status: 500 }, 10);
    const ack = await h.command('/flow-resume', 'orders-eu', { user: GROUP_MEMBER });
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('could not check your user-group membership');
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('answers with private usage help when no key is given', async () => {
    const ack = await h.command('/flow-resume', '   ');
    expect(ack.status).toBe(200);
    const body = JSON.parse(ack.body);
    expect(body.response_type).toBe('ephemeral');
    expect(allText(body)).toContain('Usage: `/flow-resume &lt;key&gt;`');
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('says so when the key is unknown, and sends no resume', async () => {
    const ack = await h.command('/flow-resume', 'no-such-key');
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('no flow-control key by that name');
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(0);
  });

  it('acknowledges at once while QStash is slow, and the result still arrives', async () => {
    h.qstash.latencyMs = 300;
    const ack = await h.command('/flow-resume', 'orders-eu');
    expect(ack.status).toBe(200);
    // At ack time QStash has not answered anything yet, so the ack cannot have waited for it.
    expect(h.qstash.requests.filter((r) => r.status !== undefined)).toHaveLength(0);
    expect(h.slack.responses(ack.responseUrl)).toHaveLength(0);
    const reply = await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    expect(allText(reply)).toContain('resumed');
  });
});
