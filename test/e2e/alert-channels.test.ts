import { describe, expect, it, vi } from 'vitest';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { alertmanagerNotification } from '../support/alertmanager.js';
import { ALLOWED_USER, allText, type Harness, harnessPerTest } from '../support/flowbot-harness.js';

const TOKEN = 'alerts-token-0123456789abcdef';
/** Alertmanager's two receivers: the team's channel and the incident channel, each sending to Flowbot. */
const TEAM = 'CTEAMORD01';
const INCIDENTS = 'CINCIDENT1';
/** Generous: a roll-up is redrawn coalesced, and the machine may be busy. */
const WAIT = { timeout: 60_000, interval: 100 };

const harness = harnessPerTest({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: INCIDENTS } }, (h) => {
  h.slack.setChannel(TEAM);
  h.slack.setChannel(INCIDENTS);
});

async function post(h: Harness, path: string, body: unknown) {
  const response = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A notification as Alertmanager's webhook sends it, each alert summarised as its key being paused. */
function notification(alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[]) {
  return alertmanagerNotification(
    alerts.map((alert) => ({
      ...alert,
      annotations: { summary: `${alert.labels.flow_control_key} paused` },
    })),
  );
}

function topLevel(h: Harness, channel: string) {
  return h.slack.messages(channel).filter((message) => message.thread_ts === undefined);
}

function blocksOf(h: Harness, channel: string, ts: string): string {
  return JSON.stringify(h.slack.getMessage(channel, ts)?.blocks);
}

function rollupOf(h: Harness, channel: string) {
  return topLevel(h, channel).find((message) =>
    JSON.stringify(message.blocks).includes('flow_alert_rollup_head'),
  );
}

async function clickResume(h: Harness, channel: string, ts: string) {
  const click = await h.click({
    actionId: 'flow_resume',
    value: 'orders-eu',
    channelId: channel,
    messageTs: ts,
    blocks: h.slack.getMessage(channel, ts)!.blocks as unknown[],
  });
  expect(click.status).toBe(200);
}

/** Waits until the message was redrawn showing the resume, and its thread noted it. */
async function showsResume(h: Harness, channel: string, ts: string) {
  await h.slack.waitForCall(
    'chat.update',
    (c) =>
      c.params.channel === channel &&
      c.params.ts === ts &&
      JSON.stringify(c.params.blocks).includes('Resumed by'),
  );
  await h.slack.waitForCall(
    'chat.postMessage',
    (c) =>
      c.params.channel === channel && c.params.thread_ts === ts && String(c.params.text).includes('resumed'),
  );
  expect(blocksOf(h, channel, ts)).toContain(`<@${ALLOWED_USER}>`);
  expect(blocksOf(h, channel, ts)).not.toContain('"flow_resume"');
}

describe('one key alerting into several channels', () => {
  it('gets a living message in each channel, each updated only by the alerts sent to it', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const incidents = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    const team = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    expect(incidents.body).toMatchObject({ channel: INCIDENTS, created: true, count: 1 });
    expect(team.body).toMatchObject({ channel: TEAM, created: true, count: 1 });
    expect(topLevel(h, TEAM)).toHaveLength(1);
    expect(topLevel(h, INCIDENTS)).toHaveLength(1);

    const again = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM, text: 'still paused' });
    expect(again.body).toMatchObject({ channel: TEAM, ts: team.body.ts, created: false, count: 2 });
    expect(blocksOf(h, TEAM, team.body.ts)).toContain('still paused');
    expect(blocksOf(h, INCIDENTS, incidents.body.ts)).not.toContain('still paused');
    expect(blocksOf(h, INCIDENTS, incidents.body.ts)).not.toContain('Seen 2 times');
  });

  it('Alertmanager with two receivers, and one notification naming two channels: a message in each', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    // Each receiver sends the same alert with its own slack_channel label.
    for (const channel of [TEAM, INCIDENTS]) {
      const sent = await post(
        h,
        '/alerts/alertmanager',
        notification([
          {
            status: 'firing',
            labels: { alertname: 'FlowKeyPaused', flow_control_key: 'orders-eu', slack_channel: channel },
          },
        ]),
      );
      expect(sent.status).toBe(200);
    }
    expect(topLevel(h, TEAM)).toHaveLength(1);
    expect(topLevel(h, INCIDENTS)).toHaveLength(1);
    // One notification whose alerts of one key name different channels: each channel gets its own.
    const mixed = await post(
      h,
      '/alerts/alertmanager',
      notification([
        { status: 'firing', labels: { alertname: 'A', flow_control_key: 'emails', slack_channel: TEAM } },
        {
          status: 'firing',
          labels: { alertname: 'B', flow_control_key: 'emails', slack_channel: INCIDENTS },
        },
      ]),
    );
    expect(mixed.body.results).toHaveLength(2);
    expect(topLevel(h, TEAM).filter((m) => allText(m).includes('emails'))).toHaveLength(1);
    expect(topLevel(h, INCIDENTS).filter((m) => allText(m).includes('emails'))).toHaveLength(1);
  });

  it('counts a key alerting into two channels twice against ALERTS_MAX_KEYS_PER_REQUEST, and lists the rest', async () => {
    const h = await harness({ env: { ALERTS_MAX_KEYS_PER_REQUEST: '1' } });
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    const mixed = await post(
      h,
      '/alerts/alertmanager',
      notification([
        { status: 'firing', labels: { alertname: 'A', flow_control_key: 'emails', slack_channel: TEAM } },
        {
          status: 'firing',
          labels: { alertname: 'B', flow_control_key: 'emails', slack_channel: INCIDENTS },
        },
      ]),
    );
    expect(mixed.body.results).toHaveLength(1);
    expect(mixed.body.skipped).toEqual([expect.stringMatching(/^emails: more than 1 keys in one request/)]);
    expect(topLevel(h, TEAM)).toHaveLength(1);
    expect(topLevel(h, INCIDENTS)).toHaveLength(0);
  });

  it('a Resume click on one message resumes once and shows on both, with a thread note in each', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 50 });
    const team = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    const incidents = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    await clickResume(h, TEAM, team.body.ts);
    await showsResume(h, TEAM, team.body.ts);
    await showsResume(h, INCIDENTS, incidents.body.ts);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.qstash.appliedMutations('orders-eu', 'resume')).toBe(1);
  });

  it('a command shows on every open message of the key too', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const team = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    const incidents = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    await h.command('/flow-resume', 'orders-eu');
    await showsResume(h, TEAM, team.body.ts);
    await showsResume(h, INCIDENTS, incidents.body.ts);
  });

  it('a resolved alert resolves the message of its own channel only', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const team = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    const incidents = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    const resolved = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS, status: 'resolved' });
    expect(resolved.body).toMatchObject({ channel: INCIDENTS, ts: incidents.body.ts, status: 'resolved' });
    expect(blocksOf(h, INCIDENTS, incidents.body.ts)).toContain('Resolved');
    expect(blocksOf(h, TEAM, team.body.ts)).not.toContain('Resolved');
    expect(blocksOf(h, TEAM, team.body.ts)).toContain('"flow_resume"');
    // The team's message is still the key's incident there; the incident channel opens a new one.
    const teamAgain = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    expect(teamAgain.body).toMatchObject({ ts: team.body.ts, created: false, count: 2 });
    const incidentsAgain = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    expect(incidentsAgain.body).toMatchObject({ created: true, count: 1 });
    expect(incidentsAgain.body.ts).not.toBe(incidents.body.ts);
    // A resolved alert into a channel where the key has nothing open is ignored, not taken from another.
    const elsewhere = await post(h, '/alerts', {
      key: 'orders-eu',
      channel: 'COTHERS01',
      status: 'resolved',
    });
    expect(elsewhere.body.ignored).toContain('no open alert');
    expect(blocksOf(h, TEAM, team.body.ts)).not.toContain('Resolved');
  });

  it('a roll-up row in one channel and a living message in the other: a change shows on both', async () => {
    const h = await harness({ env: { ALERTS_ROLLUP_AFTER: '1' } });
    h.qstash.setKey({ flowControlKey: 'first-key', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    // The team channel's window already has its one key with a message: orders-eu joins its roll-up.
    await post(h, '/alerts', { key: 'first-key', channel: TEAM });
    const row = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    expect(row.body).toMatchObject({ channel: TEAM, rollup: true, status: 'open' });
    const own = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    expect(own.body).toMatchObject({ channel: INCIDENTS, created: true });
    expect(own.body.rollup).toBeUndefined();

    await clickResume(h, INCIDENTS, own.body.ts);
    await showsResume(h, INCIDENTS, own.body.ts);
    await vi.waitFor(
      () => expect(allText(h.slack.getMessage(TEAM, row.body.ts))).toContain(`resumed by <@${ALLOWED_USER}>`),
      WAIT,
    );

    // Resolving the roll-up row leaves the other channel's message open.
    const resolved = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM, status: 'resolved' });
    expect(resolved.body).toMatchObject({ channel: TEAM, rollup: true, status: 'resolved' });
    expect(blocksOf(h, INCIDENTS, own.body.ts)).not.toContain('Resolved');
    const more = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    expect(more.body).toMatchObject({ ts: own.body.ts, created: false, count: 2 });
    expect(rollupOf(h, INCIDENTS)).toBeUndefined();
  });

  it('closes as stale the channel nobody reports to, while the watcher keeps its own channel’s open', async () => {
    const h = await harness({
      env: { ALERTS_STALE_AFTER: '1s', FLOW_WATCH_KEYS: 'orders-eu', FLOW_WATCH_INTERVAL: '1s' },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const watched = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel === INCIDENTS && String(c.params.text).includes('orders-eu is paused'),
      30_000,
    );
    const team = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    // The watcher still sees the key, but it alerts into its own channel only: the team's incident is stale.
    await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === team.body.ts && JSON.stringify(c.params.blocks).includes('Closed as stale'),
      30_000,
    );
    const ts = (watched.response as { ts: string }).ts;
    expect(blocksOf(h, INCIDENTS, ts)).not.toContain('Closed as stale');
  });
});

describe('after an upgrade from one incident per key', () => {
  /** What earlier versions stored for a key's open incident: one place, `channel:ts` or `rollup|channel:ts`. */
  async function seedTheOldWay(store: MemoryStateStore): Promise<string> {
    const open = await store.list<unknown>('alert-open');
    expect(open).toHaveLength(1);
    const [{ id, value }] = open as [{ id: string; value: unknown }];
    expect(Array.isArray(value) && value.length === 1).toBe(true);
    await store.set('alert-open', id, (value as string[])[0], { ttlMs: 3_600_000 });
    return id;
  }

  it('an open incident stored the old way still updates, follows changes, and resolves', async () => {
    const store = new MemoryStateStore();
    const h = await harness({ flowbot: { store } });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const old = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    const id = await seedTheOldWay(store);
    expect(typeof (await store.get('alert-open', id))).toBe('string');

    const update = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    expect(update.body).toMatchObject({ ts: old.body.ts, created: false, count: 2 });
    const other = await post(h, '/alerts', { key: 'orders-eu', channel: INCIDENTS });
    expect(other.body).toMatchObject({ created: true });
    expect(topLevel(h, TEAM)).toHaveLength(1);

    await clickResume(h, INCIDENTS, other.body.ts);
    await showsResume(h, INCIDENTS, other.body.ts);
    await showsResume(h, TEAM, old.body.ts);

    const resolved = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM, status: 'resolved' });
    expect(resolved.body).toMatchObject({ ts: old.body.ts, status: 'resolved' });
    expect(blocksOf(h, TEAM, old.body.ts)).toContain('Resolved');
    expect(blocksOf(h, INCIDENTS, other.body.ts)).not.toContain('Resolved');
  });

  it('an open incident stored the old way shows a change made before any new alert', async () => {
    const store = new MemoryStateStore();
    const h = await harness({ flowbot: { store } });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const old = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    await seedTheOldWay(store);
    await h.command('/flow-resume', 'orders-eu');
    await showsResume(h, TEAM, old.body.ts);
  });

  it('a roll-up row stored the old way still resolves', async () => {
    const store = new MemoryStateStore();
    const h = await harness({ flowbot: { store }, env: { ALERTS_ROLLUP_AFTER: '1' } });
    h.qstash.setKey({ flowControlKey: 'first-key', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    await post(h, '/alerts', { key: 'first-key', channel: TEAM });
    await post(h, '/alerts', { key: 'first-key', channel: TEAM, status: 'resolved' });
    const row = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    expect(row.body).toMatchObject({ rollup: true });
    await seedTheOldWay(store);
    const resolved = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM, status: 'resolved' });
    expect(resolved.body).toMatchObject({ ts: row.body.ts, rollup: true, status: 'resolved' });
    await vi.waitFor(
      () => expect(allText(h.slack.getMessage(TEAM, row.body.ts))).toContain('0 open · 1 resolved'),
      WAIT,
    );
    expect(await store.list('alert-open')).toHaveLength(0);
  });

  it('an open incident stored the old way is closed as stale', async () => {
    const store = new MemoryStateStore();
    const h = await harness({ flowbot: { store }, env: { ALERTS_STALE_AFTER: '2s' } });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const old = await post(h, '/alerts', { key: 'orders-eu', channel: TEAM });
    await seedTheOldWay(store);
    await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === old.body.ts && JSON.stringify(c.params.blocks).includes('Closed as stale'),
      30_000,
    );
    await vi.waitFor(async () => expect(await store.list('alert-open')).toHaveLength(0), WAIT);
  });
});
