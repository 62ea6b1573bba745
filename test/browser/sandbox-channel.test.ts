import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { EMOJI, emojiParts } from '../../sandbox/web/emoji.js';
import { type FakeSlack, type SlackChange, startFakeSlack } from '../../stand-ins/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from '../../stand-ins/qstash-emulator.js';

/** What the sandbox page is built on, without a browser: the fake Slack's channel view and the server's guards. */

async function postJson(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

describe('fake Slack: response_url posts change the channel as Slack shows them', () => {
  let slack: FakeSlack;
  let changes: SlackChange[];

  beforeEach(async () => {
    slack = await startFakeSlack();
    changes = [];
    slack.onChange((change) => changes.push(change));
  });
  afterEach(async () => {
    await slack.close();
  });

  async function postMessage(text: string): Promise<string> {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C1', text }),
    });
    return ((await res.json()) as { ts: string }).ts;
  }

  it('posts in_channel replies as channel messages and others as ephemerals for the person', async () => {
    const url = slack.responseUrl({ channel: 'C1', user: 'U1' });
    expect(await postJson(url, { response_type: 'in_channel', text: 'public' })).toBe(200);
    expect(await postJson(url, { text: 'private' })).toBe(200);
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['public']);
    expect(slack.ephemerals('C1')).toEqual([
      expect.objectContaining({ channel: 'C1', user: 'U1', text: 'private' }),
    ]);
    expect(changes.map((c) => c.type)).toEqual([
      'message_posted',
      'response_posted',
      'ephemeral_posted',
      'response_posted',
    ]);
  });

  it('replaces and deletes the channel message a button was clicked on', async () => {
    const ts = await postMessage('alert');
    const url = slack.responseUrl({ channel: 'C1', user: 'U1', ts });
    await postJson(url, {
      replace_original: true,
      response_type: 'in_channel',
      text: 'resolved',
      blocks: [],
    });
    expect(slack.messages('C1')).toEqual([expect.objectContaining({ ts, text: 'resolved', blocks: [] })]);
    expect(changes).toContainEqual(
      expect.objectContaining({ type: 'message_updated', message: expect.objectContaining({ ts }) }),
    );
    await postJson(url, { delete_original: true });
    expect(slack.messages('C1')).toEqual([]);
    expect(changes).toContainEqual({ type: 'message_deleted', channel: 'C1', ts });
  });

  it('replaces the ephemeral message a button was clicked on, for its owner only', async () => {
    slack.showResponse(slack.responseUrl({ channel: 'C1', user: 'U1' }), { text: 'card v1' });
    const [card] = slack.ephemerals('C1');
    const url = slack.responseUrl({ channel: 'C1', user: 'U1', ephemeralId: card?.message_ts });
    await postJson(url, { replace_original: true, text: 'card v2' });
    expect(slack.ephemerals('C1')).toEqual([
      expect.objectContaining({ user: 'U1', message_ts: card?.message_ts, text: 'card v2' }),
    ]);
    await postJson(url, { delete_original: true });
    expect(slack.ephemerals('C1')).toEqual([]);
  });

  it('shows a slash command acknowledgement without counting it as a response_url post', async () => {
    const url = slack.responseUrl({ channel: 'C1', user: 'U1' });
    slack.showResponse(url, { text: 'Resuming…' });
    expect(slack.responses(url)).toEqual([]);
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['Resuming…']);
    // For a command, replace_original replaces the URL's own earlier reply.
    await postJson(url, { replace_original: true, text: 'Resumed' });
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['Resumed']);
  });

  it('keeps the old behaviour for response_urls without an origin, and for refused posts', async () => {
    const plain = slack.responseUrl();
    await postJson(plain, { response_type: 'in_channel', text: 'recorded only' });
    expect(slack.responses(plain)).toHaveLength(1);
    expect(slack.messages('C1')).toEqual([]);
    const limited = slack.responseUrl({ channel: 'C1', user: 'U1' });
    for (let i = 0; i < 6; i++) await postJson(limited, { text: `reply ${i}` });
    expect(slack.responses(limited).map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.ephemerals('C1')).toHaveLength(5);
  });

  it('stops telling a listener once it unsubscribed', async () => {
    const seen: SlackChange[] = [];
    const stop = slack.onChange((change) => seen.push(change));
    await postMessage('one');
    stop();
    await postMessage('two');
    expect(seen).toHaveLength(1);
  });
});

describe('sandbox server', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, logLevel: 'silent' });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('takes posts only as JSON from its own page', async () => {
    const form = await fetch(new URL('api/command', sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ user: 'U0MARIA01', text: '/flow list' }),
    });
    expect(form.status).toBe(403);
    const foreign = await fetch(new URL('api/command', sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ user: 'U0MARIA01', text: '/flow list' }),
    });
    expect(foreign.status).toBe(403);
    expect(sandbox.slack.ephemerals()).toEqual([]);
  });

  it('answers only to its own host name', async () => {
    const { port } = new URL(sandbox.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { host: `rebound.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('lets only its owner click an ephemeral message', async () => {
    expect(
      await postJson(new URL('api/command', sandbox.url).href, {
        user: 'U0MARIA01',
        text: '/flow status orders-eu',
      }),
    ).toBe(200);
    await expect
      .poll(() => sandbox.slack.ephemerals().length, { timeout: 60_000, interval: 50 })
      .toBeGreaterThan(0);
    const [card] = sandbox.slack.ephemerals();
    expect(card?.user).toBe('U0MARIA01');
    const click = { kind: 'ephemeral', ts: card?.message_ts, path: { block: 3, element: 0 } };
    expect(await postJson(new URL('api/click', sandbox.url).href, { ...click, user: 'U0SAM0001' })).toBe(404);
    expect(sandbox.qstash?.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('serves the emoji pictures the page shows, and nothing else under /emoji/', async () => {
    const flowbots = Object.values(EMOJI)
      .flatMap((emoji) => emojiParts(emoji))
      .map((part) => (part as { id: string }).id);
    for (const id of [...new Set(flowbots), '1f44d-1f3fd', '1f3f3-200d-1f308']) {
      const res = await fetch(new URL(`emoji/${id}.svg`, sandbox.url));
      expect(res.status, id).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(await res.text()).toMatch(
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 36 36">.*<\/svg>$/s,
      );
    }
    for (const id of [
      'ffff',
      '..%2F..%2Fpackage.json',
      '__proto__',
      'constructor',
      '1f6a8.svg%00',
      'x'.repeat(200),
    ]) {
      const res = await fetch(new URL(`emoji/${id}.svg`, sandbox.url));
      expect(res.status, id).toBe(404);
      await res.text();
    }
  });

  it('shows a bulk resume: the seeded webhook keys, previewed, confirmed, one summary', async () => {
    const keys = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'].map((t) => `webhooks-${t}`);
    expect(keys.every((key) => sandbox.qstash?.getKey(key)?.isPaused)).toBe(true);
    const before = sandbox.slack.ephemerals().length;
    expect(
      await postJson(new URL('api/command', sandbox.url).href, {
        user: 'U0MARIA01',
        text: '/flow resume webhooks-*',
      }),
    ).toBe(200);
    const previewed = () =>
      sandbox.slack.ephemerals().find((e) => String(e.text).startsWith('Resume 6 keys matching'));
    await vi.waitFor(() => expect(previewed()).toBeDefined(), { timeout: 60_000, interval: 50 });
    const preview = previewed();
    expect(preview, JSON.stringify(sandbox.slack.ephemerals().slice(before))).toBeDefined();
    const actions = ((preview?.blocks ?? []) as { type: string }[]).findIndex((b) => b.type === 'actions');
    const click = { kind: 'ephemeral', ts: preview?.message_ts, path: { block: actions, element: 0 } };
    expect(await postJson(new URL('api/click', sandbox.url).href, { ...click, user: 'U0MARIA01' })).toBe(200);
    const summary = () =>
      sandbox.slack
        .messages('C0INCIDENTS')
        .find((m) => String(m.text).startsWith('resumed 6 of 6 keys matching'));
    await vi.waitFor(() => expect(summary()).toBeDefined(), { timeout: 60_000, interval: 100 });
    expect(keys.every((key) => sandbox.qstash?.getKey(key)?.isPaused === false)).toBe(true);
  });

  it('signs what it sends: Flowbot refuses the same request with another secret', async () => {
    const body = new URLSearchParams({ command: '/flow', text: 'list', user_id: 'U0MARIA01' }).toString();
    const res = await fetch(new URL('/slack/events', sandbox.flowbotUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=0000',
      },
      body,
    });
    expect(res.status).toBe(401);
  });
});

describe('sandbox against a QStash project given by the person (here a local emulator)', () => {
  let project: QStashEmulator;
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    project = await startQStashEmulator({ token: 'project-token-0123456789' });
    project.setKey({ flowControlKey: 'billing', isPaused: true, waitListSize: 3 });
    sandbox = await startSandbox({
      port: 0,
      logLevel: 'silent',
      realQStash: { url: project.url, token: 'project-token-0123456789' },
    });
  });
  afterAll(async () => {
    await sandbox?.close();
    await project?.close();
  });

  it('reads the project’s keys for the panel and never seeds or changes it', async () => {
    expect(sandbox.mode).toBe('qstash');
    expect(sandbox.qstash).toBeUndefined();
    const state = (await (await fetch(new URL('api/state', sandbox.url))).json()) as {
      config: { mode: string; qstashUrl: string };
      keys: { keys: { key: string; paused: boolean; waiting: number }[] };
    };
    expect(state.config).toMatchObject({ mode: 'qstash', qstashUrl: project.url });
    expect(state.keys.keys).toEqual([expect.objectContaining({ key: 'billing', paused: true, waiting: 3 })]);
    expect(project.keys().map((k) => k.flowControlKey)).toEqual(['billing']);
    expect(project.mutations).toEqual([]);
  });
});
