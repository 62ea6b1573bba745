import { request as httpRequest } from 'node:http';
import { webApi } from '@slack/bolt';
import got, { type Got } from 'got';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, manifestBotScopes, startFakeSlack } from './support/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from './support/qstash-emulator.js';
import {
  blockActionsBody,
  postToSlackEndpoint,
  signSlackRequest,
  slackSignature,
  slashCommandBody,
} from './support/slack-request.js';

const TOKEN = 'test-qstash-token';

describe('QStash emulator', () => {
  let emu: QStashEmulator;
  let client: Got;

  beforeEach(async () => {
    emu = await startQStashEmulator();
    client = got.extend({
      prefixUrl: emu.url,
      headers: { authorization: `Bearer ${TOKEN}` },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('auth', () => {
    it('accepts the bearer header', async () => {
      const res = await client.get('v2/flowControl');
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual([]);
    });

    it('accepts the qstash_token query parameter', async () => {
      const res = await got.get(`${emu.url}/v2/flowControl?qstash_token=${TOKEN}`, {
        throwHttpErrors: false,
      });
      expect(res.statusCode).toBe(200);
    });

    it('rejects a wrong or missing token with a JSON error', async () => {
      const wrong = await client.get('v2/flowControl', { headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode).toBe(401);
      expect(JSON.parse(wrong.body)).toEqual({ error: expect.any(String) });
      const missing = await got.get(`${emu.url}/v2/globalParallelism`, { throwHttpErrors: false });
      expect(missing.statusCode).toBe(401);
    });

    it('accepts any of several tokens', async () => {
      const multi = await startQStashEmulator({ tokens: ['a', 'b'] });
      try {
        for (const t of ['a', 'b']) {
          const res = await got.get(`${multi.url}/v2/flowControl`, {
            headers: { authorization: `Bearer ${t}` },
            throwHttpErrors: false,
          });
          expect(res.statusCode).toBe(200);
        }
      } finally {
        await multi.close();
      }
    });
  });

  describe('routes and serialization', () => {
    it('answers 404 with an error body for an unknown key and for unknown routes', async () => {
      const res = await client.get('v2/flowControl/missing');
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
      const other = await client.get('v2/nothing');
      expect(other.statusCode).toBe(404);
      expect(JSON.parse(other.body)).toEqual({ error: 'not found' });
      expect(emu.requests.map((r) => r.route)).toEqual(['get', 'unknown']);
    });

    it('omits zero and false fields, except flowControlKey', async () => {
      emu.setKey({ flowControlKey: 'k', waitListSize: 3, parallelismMax: 0, isPaused: false, rateMax: 5 });
      emu.setKey({ flowControlKey: 'empty' });
      expect(JSON.parse((await client.get('v2/flowControl/k')).body)).toEqual({
        flowControlKey: 'k',
        waitListSize: 3,
        rateMax: 5,
      });
      expect(JSON.parse((await client.get('v2/flowControl/empty')).body)).toEqual({
        flowControlKey: 'empty',
      });
    });

    it('serves both list shapes and the alternative waitlist spelling', async () => {
      emu.setKey({ flowControlKey: 'k', waitListSize: 2 });
      expect(JSON.parse((await client.get('v2/flowControl')).body)).toEqual([
        { flowControlKey: 'k', waitListSize: 2 },
      ]);
      emu.setListShape('object');
      expect(JSON.parse((await client.get('v2/flowControl')).body)).toEqual({
        flowControls: [{ flowControlKey: 'k', waitListSize: 2 }],
      });
      const alt = await startQStashEmulator({ waitlistFieldName: 'waitlistSize' });
      try {
        alt.setKey({ flowControlKey: 'k', waitListSize: 2 });
        expect(alt.serialize('k')).toEqual({ flowControlKey: 'k', waitlistSize: 2 });
      } finally {
        await alt.close();
      }
    });

    it('serves global parallelism', async () => {
      emu.setGlobal({ parallelismMax: 100, parallelismCount: 7 });
      expect(JSON.parse((await client.get('v2/globalParallelism')).body)).toEqual({
        parallelismMax: 100,
        parallelismCount: 7,
      });
    });

    it('keeps an encoded key inside its segment and records the raw path', async () => {
      emu.setKey({ flowControlKey: 'a/b' });
      const ok = await client.post('v2/flowControl/a%2Fb/pause');
      expect(ok.statusCode).toBe(200);
      expect(emu.getKey('a/b')?.isPaused).toBe(true);
      const req = emu.requests.at(-1);
      expect(req).toMatchObject({ rawPath: '/v2/flowControl/a%2Fb/pause', route: 'pause', key: 'a/b' });

      const unencoded = await client.post('v2/flowControl/a/b/pause');
      expect(unencoded.statusCode).toBe(404);
      expect(emu.requests.at(-1)).toMatchObject({ rawPath: '/v2/flowControl/a/b/pause', route: 'unknown' });
      expect(emu.appliedMutations('a/b')).toBe(1);
    });
  });

  describe('mutations', () => {
    it('pauses and resumes with an empty 200 body', async () => {
      emu.setKey({ flowControlKey: 'k' });
      const res = await client.post('v2/flowControl/k/pause');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe('0');
      expect(res.body).toBe('');
      expect(emu.getKey('k')?.isPaused).toBe(true);
      await client.post('v2/flowControl/k/resume');
      expect(emu.getKey('k')?.isPaused).toBe(false);
      expect(emu.appliedMutations('k', 'pause')).toBe(1);
      expect(emu.appliedMutations('k')).toBe(2);
    });

    it('pins limits, resetting the rate count and period, and unpins only the chosen flags', async () => {
      emu.setKey({ flowControlKey: 'k', rateCount: 9, ratePeriodStart: 1000, rateMax: 10, ratePeriod: 60 });
      const res = await client.post('v2/flowControl/k/pin', {
        searchParams: { parallelism: 3, rate: 20, period: 30 },
      });
      expect(res.statusCode).toBe(200);
      const pinned = emu.getKey('k');
      expect(pinned).toMatchObject({
        parallelismMax: 3,
        rateMax: 20,
        ratePeriod: 30,
        isPinnedParallelism: true,
        isPinnedRate: true,
        rateCount: 0,
      });
      expect(pinned?.ratePeriodStart).toBeGreaterThan(1000);

      await client.post('v2/flowControl/k/unpin', { searchParams: { parallelism: 'true' } });
      expect(emu.getKey('k')).toMatchObject({
        isPinnedParallelism: false,
        isPinnedRate: true,
        parallelismMax: 3,
      });
      await client.post('v2/flowControl/k/unpin', { searchParams: { rate: 'true' } });
      expect(emu.getKey('k')).toMatchObject({ isPinnedRate: false, rateMax: 20 });
    });

    it('rejects pin values that are not positive integers', async () => {
      emu.setKey({ flowControlKey: 'k' });
      for (const query of ['parallelism=0', 'rate=-1', 'period=1.5', 'parallelism=abc', 'rate=', '']) {
        const res = await client.post(`v2/flowControl/k/pin?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
      }
      expect(emu.appliedMutations('k')).toBe(0);
    });

    it('resets the rate', async () => {
      emu.setKey({ flowControlKey: 'k', rateCount: 5, ratePeriodStart: 1000 });
      await client.post('v2/flowControl/k/resetRate');
      expect(emu.getKey('k')?.rateCount).toBe(0);
      expect(emu.getKey('k')?.ratePeriodStart).toBeGreaterThan(1000);
    });

    it('answers mutations on unknown keys per unknownKeyMutation, without creating state', async () => {
      expect((await client.post('v2/flowControl/ghost/pause')).statusCode).toBe(200);
      expect(emu.getKey('ghost')).toBeUndefined();
      emu.unknownKeyMutation = 'not-found';
      const res = await client.post('v2/flowControl/ghost/pause');
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
    });

    it('drains waitlists only while not paused, respecting the limits', () => {
      emu.setKey({ flowControlKey: 'r', waitListSize: 25, rateMax: 10 });
      emu.setKey({ flowControlKey: 'p', waitListSize: 5, parallelismMax: 2, isPaused: true });
      expect(emu.tick()).toBe(10);
      expect(emu.getKey('r')?.waitListSize).toBe(15);
      expect(emu.getKey('p')?.waitListSize).toBe(5);
      expect(emu.drain()).toBe(15);
      emu.setKey({ flowControlKey: 'p', isPaused: false });
      expect(emu.drain(1, 'p')).toBe(2);
      expect(emu.getKey('p')?.waitListSize).toBe(3);
    });
  });

  describe('faults', () => {
    it('answers an injected status with headers, once, without applying the mutation', async () => {
      emu.setKey({ flowControlKey: 'k' });
      emu.rateLimit(1, 2, { route: 'pause' });
      // Read before the request: the reset is 2 s after the emulator's now, whatever a busy machine adds.
      const before = Date.now();
      const limited = await client.post('v2/flowControl/k/pause');
      expect(limited.statusCode).toBe(429);
      // QStash tells the wait in its rate-limit headers, not in Retry-After.
      expect(limited.headers['retry-after']).toBeUndefined();
      expect(limited.headers['burst-ratelimit-remaining']).toBe('0');
      expect(Number(limited.headers['burst-ratelimit-reset'])).toBeGreaterThanOrEqual(
        Math.ceil(before / 1000 + 2),
      );
      expect(emu.getKey('k')?.isPaused).toBe(false);
      expect(emu.requests.at(-1)).toMatchObject({ fault: 'status', status: 429 });
      expect((await client.post('v2/flowControl/k/pause')).statusCode).toBe(200);
      expect(emu.appliedMutations('k', 'pause')).toBe(1);
    });

    it('matches faults by route and method and counts them down', async () => {
      emu.unavailable(2, { route: 'list' });
      expect((await client.get('v2/globalParallelism')).statusCode).toBe(200);
      expect((await client.get('v2/flowControl')).statusCode).toBe(503);
      expect((await client.get('v2/flowControl')).statusCode).toBe(503);
      expect((await client.get('v2/flowControl')).statusCode).toBe(200);
      expect(emu.pendingFaults()).toBe(0);
    });

    it('can apply a mutation and then lose the answer', async () => {
      emu.setKey({ flowControlKey: 'k' });
      emu.inject({ kind: 'status', status: 502, applyFirst: true, route: 'pause' });
      expect((await client.post('v2/flowControl/k/pause')).statusCode).toBe(502);
      expect(emu.getKey('k')?.isPaused).toBe(true);
      expect(emu.appliedMutations('k', 'pause')).toBe(1);
    });

    it('hangs until the client gives up', async () => {
      emu.inject({ kind: 'hang' });
      await expect(client.get('v2/flowControl', { timeout: { request: 100 } })).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
      expect(emu.requests).toHaveLength(1);
    });

    it('drops the connection', async () => {
      emu.inject({ kind: 'drop', method: 'GET' });
      await expect(client.get('v2/flowControl')).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect((await client.get('v2/flowControl')).statusCode).toBe(200);
    });

    it('delays the answer', async () => {
      emu.inject({ kind: 'delay', ms: 120 });
      const started = Date.now();
      expect((await client.get('v2/flowControl')).statusCode).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });

    it('closes promptly even with a hanging request open', async () => {
      const local = await startQStashEmulator();
      local.inject({ kind: 'hang' });
      const pending = got
        .get(`${local.url}/v2/flowControl`, { retry: { limit: 0 } })
        .catch((e: unknown) => e);
      await local.waitForRequest(() => true);
      // The request never ends by itself: close() returning at all shows it did not wait for it.
      await local.close();
      expect(await pending).toBeInstanceOf(Error);
    });

    it('routes raw dot-segment and empty keys away from the key routes', async () => {
      const raw = (path: string) =>
        new Promise<number>((resolve, reject) => {
          // Options rather than a URL string: a URL would be normalised before it is sent.
          const req = httpRequest({
            host: '127.0.0.1',
            port: new URL(emu.url).port,
            path,
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await raw('/v2/flowControl/../pause')).toBe(404);
      expect(await raw('/v2/flowControl//pause')).toBe(400);
      expect(emu.requests.map((r) => r.rawPath)).toEqual([
        '/v2/flowControl/../pause',
        '/v2/flowControl//pause',
      ]);
    });
  });
});

describe('fake Slack', () => {
  let slack: FakeSlack;
  const auth = { authorization: 'Bearer xoxb-test-bot-token' };
  const api = (method: string, form: Record<string, string>, headers: Record<string, string> = auth) =>
    fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  beforeAll(async () => {
    // conversations.info needs a read scope Flowbot's manifest does not ask for.
    slack = await startFakeSlack({ scopes: [...manifestBotScopes(), 'channels:read'] });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('checks the bot token', async () => {
    expect(await (await api('auth.test', {})).json()).toMatchObject({
      ok: true,
      user_id: 'UBOT',
      bot_id: 'BBOT',
    });
    expect(await (await api('auth.test', {}, { authorization: 'Bearer xoxb-wrong' })).json()).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
  });

  it('posts and updates messages, parsing JSON-encoded params', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }];
    const posted = (await (
      await api('chat.postMessage', { channel: 'C1', text: 'one', blocks: JSON.stringify(blocks) })
    ).json()) as {
      ok: boolean;
      ts: string;
    };
    expect(posted.ok).toBe(true);
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.callsTo('chat.postMessage').at(-1)?.params.blocks).toEqual(blocks);
    const second = (await (await api('chat.postMessage', { channel: 'C1', text: 'two' })).json()) as {
      ts: string;
    };
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    expect(
      await (await api('chat.update', { channel: 'C1', ts: posted.ts, text: 'edited' })).json(),
    ).toMatchObject({
      ok: true,
    });
    expect(slack.getMessage('C1', posted.ts)?.text).toBe('edited');
    expect(slack.messages('C1')).toHaveLength(2);
    expect(await (await api('chat.update', { channel: 'C1', ts: '1.000000', text: 'x' })).json()).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(
      await (await api('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'psst' })).json(),
    ).toMatchObject({
      ok: true,
    });
    expect(slack.ephemerals('C1')).toHaveLength(1);
  });

  it('answers user groups, conversations.info and unknown methods', async () => {
    slack.setUserGroup('S1', ['U1', 'W2']);
    expect(await (await api('usergroups.users.list', { usergroup: 'S1' })).json()).toEqual({
      ok: true,
      users: ['U1', 'W2'],
    });
    expect(await (await api('usergroups.users.list', { usergroup: 'S9' })).json()).toEqual({
      ok: false,
      error: 'no_such_subteam',
    });
    // A disabled group is unknown to usergroups.users.list unless include_disabled asks for it.
    slack.disableUserGroup('S1');
    expect(await (await api('usergroups.users.list', { usergroup: 'S1' })).json()).toEqual({
      ok: false,
      error: 'no_such_subteam',
    });
    expect(
      await (await api('usergroups.users.list', { usergroup: 'S1', include_disabled: 'true' })).json(),
    ).toEqual({ ok: true, users: ['U1', 'W2'] });
    slack.disableUserGroup('S1', false);
    expect(await (await api('usergroups.users.list', { usergroup: 'S1' })).json()).toMatchObject({
      ok: true,
    });
    expect(await (await api('conversations.info', { channel: 'C1' })).json()).toMatchObject({
      ok: true,
      channel: { id: 'C1' },
    });
    expect(await (await api('nope.nothing', {})).json()).toEqual({ ok: false, error: 'unknown_method' });
  });

  it('injects method faults', async () => {
    slack.failMethod('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    expect(await (await api('chat.postMessage', { channel: 'C2', text: 'x' })).json()).toEqual({
      ok: false,
      error: 'not_in_channel',
    });
    slack.failMethod('chat.postMessage', { kind: 'ratelimited', retryAfterSeconds: 3 });
    const limited = await api('chat.postMessage', { channel: 'C2', text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    slack.failMethod('chat.postMessage', { kind: 'status', status: 500 });
    expect((await api('chat.postMessage', { channel: 'C2', text: 'x' })).status).toBe(500);
    slack.failMethod('auth.test', { kind: 'drop' });
    await expect(api('auth.test', {})).rejects.toThrow();
    slack.failMethod('auth.test', { kind: 'hang' });
    await expect(
      fetch(`${slack.apiUrl}auth.test`, { method: 'POST', headers: auth, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect(slack.messages('C2')).toHaveLength(0);
    expect((await api('chat.postMessage', { channel: 'C2', text: 'x' })).status).toBe(200);
    await expect(
      slack.waitForCall('chat.postMessage', (c) => c.params.channel === 'C2'),
    ).resolves.toMatchObject({
      method: 'chat.postMessage',
    });
  });

  it('records response_url posts, injects failures and explains timeouts', async () => {
    const url = slack.responseUrl();
    expect(slack.responseUrl()).not.toBe(url);
    const waiting = slack.waitForResponse(url, (b) => b.text === 'done');
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ text: 'working' })).status).toBe(200);
    slack.failResponseUrl(url, 500);
    expect((await post({ text: 'done' })).status).toBe(500);
    expect((await post({ text: 'done', replace_original: true })).status).toBe(200);
    await expect(waiting).resolves.toEqual({ text: 'done', replace_original: true });
    expect(slack.responses(url).map((r) => r.status)).toEqual([200, 500, 200]);
    expect(slack.allBodies().some((b) => b.includes('replace_original'))).toBe(true);
    await expect(slack.waitForResponse(url, (b) => b.text === 'never', 50)).rejects.toThrow(/working/);
  });

  it("works with Bolt's WebClient", async () => {
    const client = new webApi.WebClient('xoxb-test-bot-token', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: 'UBOT' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*paused*' } }];
    const posted = await client.chat.postMessage({ channel: 'C9', text: 'paused', blocks });
    expect(slack.getMessage('C9', posted.ts ?? '')?.blocks).toEqual(blocks);
    expect(slack.callsTo('chat.postMessage').at(-1)?.authorization).toBe('Bearer xoxb-test-bot-token');
    slack.failMethod('chat.update', { kind: 'error', error: 'not_in_channel' });
    await expect(client.chat.update({ channel: 'C9', ts: posted.ts ?? '', text: 'x' })).rejects.toMatchObject(
      {
        data: { error: 'not_in_channel' },
      },
    );
  });

  it('refuses a response_url after five accepted posts', async () => {
    const url = slack.responseUrl();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await fetch(url, { method: 'POST', body: JSON.stringify({ text: `post ${i}` }) })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
  });
});

describe('Slack request signing', () => {
  it("matches Slack's published test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618);
    expect(headers).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
      'content-type': 'application/x-www-form-urlencoded',
    });
  });

  it('builds slash command and block action bodies', () => {
    const form = new URLSearchParams(
      slashCommandBody({ text: 'pause a/b', response_url: 'http://x/respond/r1' }),
    );
    expect(form.get('team_id')).toBe('T0001');
    expect(form.get('text')).toBe('pause a/b');
    expect(form.get('response_url')).toBe('http://x/respond/r1');
    expect(new URLSearchParams(slashCommandBody({ token: undefined })).has('token')).toBe(false);

    const actions = new URLSearchParams(
      blockActionsBody({
        userId: 'U1',
        channelId: 'C1',
        actionId: 'confirm',
        value: 'v',
        responseUrl: 'http://x/respond/r2',
        messageTs: '1700000000.000100',
        blocks: [{ type: 'divider' }],
      }),
    );
    const payload = JSON.parse(actions.get('payload') ?? '{}');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U1' },
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C1', is_ephemeral: false },
      message: { ts: '1700000000.000100', blocks: [{ type: 'divider' }] },
      actions: [{ action_id: 'confirm', value: 'v', type: 'button' }],
    });
  });

  it('posts a signed body to an endpoint', async () => {
    const slack = await startFakeSlack();
    try {
      const body = '{"text":"x"}';
      const path = new URL(slack.responseUrl()).pathname;
      const res = await postToSlackEndpoint(slack.url, 's3cret', body, {
        path,
        timestamp: 1700000000,
      });
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeGreaterThan(0);
      expect(slack.responses(path)[0]?.rawBody).toBe(body);
      expect(slackSignature('s3cret', body, 1700000000)).toMatch(/^v0=[0-9a-f]{64}$/);
    } finally {
      await slack.close();
    }
  });
});
