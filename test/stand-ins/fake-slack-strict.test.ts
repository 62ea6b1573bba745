import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../stand-ins/clock.js';
import {
  type FakeSlack,
  type FakeSlackOptions,
  SLACK_RATE_LIMITS,
  startFakeSlack as startBareFakeSlack,
} from '../../stand-ins/fake-slack.js';
import { manifestBotScopes, startFakeSlack } from '../support/fake-slack.js';

const TOKEN = 'xoxb-test-bot-token';
const started: FakeSlack[] = [];

async function fake(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const slack = await startBareFakeSlack(options);
  started.push(slack);
  return slack;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** A Web API call as the WebClient makes it: form-encoded, JSON values as strings, the token in a header. */
async function api(
  slack: FakeSlack,
  method: string,
  params: Record<string, unknown>,
): Promise<{ status: number; retryAfter: string | null; body: Record<string, any> }> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    form.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
    body: form.toString(),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, any>,
  };
}

async function respond(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('fake Slack: Block Kit, answered as Slack answers', () => {
  it('refuses a section over 3,000 characters with invalid_blocks, HTTP 200, the field named, nothing posted', async () => {
    const slack = await fake();
    const answer = await api(slack, 'chat.postMessage', {
      channel: 'C1',
      text: 'x',
      blocks: [section('ok'), section('x'.repeat(3001))],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/1/text/text]'],
      response_metadata: {
        messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]'],
      },
    });
    expect(slack.messages('C1')).toEqual([]);
    expect(slack.payloadRefusals()).toMatchObject([
      { where: 'chat.postMessage', refusal: { error: 'invalid_blocks' } },
    ]);
  });

  it('makes the WebClient throw Slack’s platform error, as the real Slack does', async () => {
    const slack = await fake();
    const client = new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(
      client.chat.postMessage({
        channel: 'C1',
        text: 'x',
        blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })),
      }),
    ).rejects.toMatchObject({ code: 'slack_webapi_platform_error', data: { error: 'invalid_blocks' } });
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('fine')] });
    await expect(
      client.chat.update({ channel: 'C1', ts: posted.ts ?? '', text: 'y'.repeat(40_001) }),
    ).rejects.toMatchObject({ data: { error: 'msg_too_long' } });
    await expect(
      client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: '', blocks: [] }),
    ).rejects.toMatchObject({ data: { error: 'no_text' } });
  });

  it('answers msg_blocks_too_long past the blocks’ total size, invalid_blocks_format for a non-array', async () => {
    const slack = await fake();
    const big = Array.from({ length: 6 }, () => section('x'.repeat(2500)));
    expect((await api(slack, 'chat.postMessage', { channel: 'C1', text: 'x', blocks: big })).body.error).toBe(
      'msg_blocks_too_long',
    );
    expect(
      (await api(slack, 'chat.postMessage', { channel: 'C1', text: 'x', blocks: '[{' })).body.error,
    ).toBe('invalid_blocks_format');
  });

  it('is lax only when a test says so', async () => {
    const lax = await fake({ validate: false });
    const blocks = Array.from({ length: 60 }, () => ({ type: 'divider' }));
    expect((await api(lax, 'chat.postMessage', { channel: 'C1', text: 'x', blocks })).body.ok).toBe(true);
    expect((await api(lax, 'chat.postMessage', { channel: 'C1' })).body.error).toBe('no_text');
    lax.validation = true;
    expect((await api(lax, 'chat.postMessage', { channel: 'C1', text: 'x', blocks })).body.error).toBe(
      'invalid_blocks',
    );
  });

  it('answers a response_url post it cannot show with 400 and the bare error code, and shows nothing', async () => {
    const slack = await fake();
    const url = slack.responseUrl({ channel: 'C1', user: 'U1' });
    const bad = await respond(
      url,
      JSON.stringify({
        response_type: 'in_channel',
        text: 'x',
        blocks: [{ type: 'header', text: section('h').text }],
      }),
    );
    expect(bad).toEqual({ status: 400, text: 'invalid_blocks' });
    expect(await respond(url, 'not json')).toEqual({ status: 400, text: 'invalid_payload' });
    expect(await respond(url, JSON.stringify({ replace_original: true }))).toEqual({
      status: 400,
      text: 'no_text',
    });
    expect(slack.messages('C1')).toEqual([]);
    expect(slack.responses(url).map((p) => p.error)).toEqual([
      'invalid_blocks',
      'invalid_payload',
      'no_text',
    ]);
    // Refused posts do not use up the URL.
    expect((await respond(url, JSON.stringify({ text: 'fine', response_type: 'in_channel' }))).status).toBe(
      200,
    );
    expect(slack.messages('C1')).toHaveLength(1);
  });

  it('expires a response_url after 30 minutes and refuses URLs it never issued', async () => {
    const clock = new ManualClock();
    const slack = await fake({ clock });
    const url = slack.responseUrl();
    clock.advance(30 * 60_000);
    expect((await respond(url, JSON.stringify({ text: 'just in time' }))).status).toBe(200);
    clock.advance(1);
    const late = await respond(url, JSON.stringify({ text: 'too late' }));
    expect(late.status).toBe(404);
    expect(JSON.parse(late.text)).toEqual({ ok: false, error: 'expired_url' });
    expect(await respond(`${slack.url}/respond/made-up`, JSON.stringify({ text: 'x' }))).toEqual({
      status: 404,
      text: 'no_service',
    });
  });

  it('takes made-up response_urls only when told to (a load generator in another process)', async () => {
    const slack = await fake({ acceptUnissuedResponseUrls: true });
    expect((await respond(`${slack.url}/respond/load-1`, JSON.stringify({ text: 'x' }))).status).toBe(200);
    expect(slack.responses('load-1')).toHaveLength(1);
  });

  it('does not show a slash command acknowledgement Slack would refuse', async () => {
    const slack = await fake();
    const url = slack.responseUrl({ channel: 'C1', user: 'U1' });
    expect(slack.showResponse(url, { text: '' })?.error).toBe('no_text');
    expect(slack.showResponse(url, { text: 'ok' })).toBeUndefined();
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['ok']);
  });

  it('validates views: a Home tab is published, a modal is not a Home tab', async () => {
    const slack = await fake();
    const home = { type: 'home', blocks: [section('Flowbot')] };
    expect((await api(slack, 'views.publish', { user_id: 'U1', view: home })).body).toMatchObject({
      ok: true,
      view: { type: 'home' },
    });
    expect(slack.homeView('U1')?.view).toEqual(home);
    const wrong = await api(slack, 'views.publish', {
      user_id: 'U1',
      view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
    });
    expect(wrong.body).toEqual({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be home [json-pointer:/view/type]'] },
    });
  });

  it('opens a view once per trigger_id, within 3 seconds, and only for trigger_ids Slack issued', async () => {
    const clock = new ManualClock();
    const slack = await fake({ clock });
    const modal = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Pause a key' },
      blocks: [section('x')],
    };
    const trigger = slack.triggerId();
    clock.advance(3000);
    const opened = await api(slack, 'views.open', { trigger_id: trigger, view: modal });
    expect(opened.body.ok).toBe(true);
    expect((await api(slack, 'views.open', { trigger_id: trigger, view: modal })).body.error).toBe(
      'exchanged_trigger_id',
    );
    const late = slack.triggerId();
    clock.advance(3001);
    expect((await api(slack, 'views.open', { trigger_id: late, view: modal })).body.error).toBe(
      'expired_trigger_id',
    );
    expect((await api(slack, 'views.open', { trigger_id: '1.2.3', view: modal })).body.error).toBe(
      'invalid_trigger_id',
    );
    const longTitle = { ...modal, title: { type: 'plain_text', text: 'x'.repeat(25) } };
    expect(
      (await api(slack, 'views.open', { trigger_id: slack.triggerId(), view: longTitle })).body.error,
    ).toBe('invalid_arguments');
    const id = opened.body.view.id as string;
    const updated = { ...modal, blocks: [section('updated')] };
    expect((await api(slack, 'views.update', { view_id: id, view: updated })).body.ok).toBe(true);
    expect(slack.views().map((v) => v.view)).toEqual([updated]);
  });

  it('keeps faults apart from payload refusals', async () => {
    const slack = await fake();
    slack.failMethod('chat.postMessage', { kind: 'error', error: 'msg_too_long' });
    expect((await api(slack, 'chat.postMessage', { channel: 'C1', text: 'x' })).body.error).toBe(
      'msg_too_long',
    );
    expect(slack.payloadRefusals()).toEqual([]);
  });
});

describe('fake Slack: channels where the bot cannot post', () => {
  it('refuses DMs that are not the bot’s own and private channels it is not in with channel_not_found', async () => {
    const slack = await fake();
    slack.setChannel('GSECRET', { is_member: false });
    for (const channel of ['DOTHERS', 'GSECRET']) {
      expect((await api(slack, 'chat.postMessage', { channel, text: 'x' })).body.error, channel).toBe(
        'channel_not_found',
      );
      expect((await api(slack, 'chat.postEphemeral', { channel, user: 'U1', text: 'x' })).body.error).toBe(
        'channel_not_found',
      );
      expect((await api(slack, 'conversations.info', { channel })).body.error).toBe('channel_not_found');
    }
    expect((await api(slack, 'chat.postMessage', { channel: 'GOURS', text: 'x' })).body.ok).toBe(true);
  });

  it('refuses what is not shaped like a Slack conversation ID with channel_not_found, even when set up', async () => {
    const slack = await fake();
    const tooLong = `C${'A'.repeat(5000)}`;
    slack.setChannel(tooLong);
    for (const channel of ['cteamord01', ' CTEAMORD01', 'C<!here>', tooLong, `C${'A'.repeat(20)}`]) {
      expect((await api(slack, 'chat.postMessage', { channel, text: 'x' })).body.error, channel).toBe(
        'channel_not_found',
      );
      expect((await api(slack, 'conversations.info', { channel })).body.error).toBe('channel_not_found');
    }
    expect((await api(slack, 'chat.postMessage', { channel: `C${'A'.repeat(19)}`, text: 'x' })).body.ok).toBe(
      true,
    );
  });

  it('refuses public and Slack Connect channels the bot is not in with not_in_channel, archived ones with is_archived', async () => {
    const slack = await fake();
    slack.setChannel('CPUBLIC', { is_member: false });
    slack.setChannel('CSHARED', { is_ext_shared: true, is_member: false });
    slack.setChannel('COLD', { is_archived: true });
    const post = async (channel: string) =>
      (await api(slack, 'chat.postMessage', { channel, text: 'x' })).body;
    expect((await post('CPUBLIC')).error).toBe('not_in_channel');
    expect((await post('CSHARED')).error).toBe('not_in_channel');
    expect((await post('COLD')).error).toBe('is_archived');
    expect((await api(slack, 'conversations.info', { channel: 'CSHARED' })).body.channel).toMatchObject({
      is_ext_shared: true,
      is_member: false,
    });
    slack.setChannel('CSHARED', { is_ext_shared: true, is_member: true });
    expect((await post('CSHARED')).ok).toBe(true);
    const posted = (await api(slack, 'chat.postMessage', { channel: 'CNEW', text: 'x' })).body;
    slack.setChannel('CNEW', { is_archived: true });
    expect((await api(slack, 'chat.update', { channel: 'CNEW', ts: posted.ts, text: 'y' })).body.error).toBe(
      'is_archived',
    );
  });

  it('refuses an ephemeral message to someone who is not in the channel', async () => {
    const slack = await fake();
    slack.setChannel('CTEAM', { members: ['U1'] });
    expect(
      (await api(slack, 'chat.postEphemeral', { channel: 'CTEAM', user: 'U1', text: 'x' })).body.ok,
    ).toBe(true);
    expect(
      (await api(slack, 'chat.postEphemeral', { channel: 'CTEAM', user: 'U2', text: 'x' })).body.error,
    ).toBe('user_not_in_channel');
  });

  it('opens the bot’s DM with conversations.open, and posts to a user ID land there', async () => {
    const slack = await fake();
    const opened = (await api(slack, 'conversations.open', { users: 'U1' })).body;
    expect(opened).toMatchObject({ ok: true, channel: { id: expect.stringMatching(/^D/) } });
    const dm = opened.channel.id as string;
    expect((await api(slack, 'conversations.open', { users: 'U1', return_im: true })).body).toMatchObject({
      already_open: true,
      channel: { id: dm, is_im: true, user: 'U1', is_member: true },
    });
    expect((await api(slack, 'chat.postMessage', { channel: dm, text: 'in the DM' })).body.ok).toBe(true);
    expect(
      (await api(slack, 'chat.postMessage', { channel: 'U1', text: 'to the person' })).body,
    ).toMatchObject({
      ok: true,
      channel: dm,
    });
    expect(slack.messages(dm).map((m) => m.text)).toEqual(['in the DM', 'to the person']);
    expect((await api(slack, 'conversations.open', {})).body.error).toBe('users_list_not_supplied');
  });
});

describe('fake Slack: scopes', () => {
  it('answers missing_scope for a method the token has no scope for', async () => {
    const slack = await fake({ scopes: ['chat:write'] });
    expect((await api(slack, 'conversations.open', { users: 'U1' })).body).toEqual({
      ok: false,
      error: 'missing_scope',
      needed: 'im:write',
      provided: 'chat:write',
    });
    expect((await api(slack, 'conversations.info', { channel: 'C1' })).body.needed).toBe('channels:read');
    expect((await api(slack, 'chat.postMessage', { channel: 'C1', text: 'x' })).body.ok).toBe(true);
  });

  it('gives the tests exactly the scopes of manifest.yml', async () => {
    const slack = await startFakeSlack();
    started.push(slack);
    expect(manifestBotScopes()).toContain('chat:write');
    slack.setUserGroup('S1', ['U1']);
    expect((await api(slack, 'usergroups.users.list', { usergroup: 'S1' })).body.ok).toBe(true);
    const info = (await api(slack, 'conversations.info', { channel: 'C1' })).body;
    expect(info.error).toBe(manifestBotScopes().includes('channels:read') ? undefined : 'missing_scope');
  });
});

describe('fake Slack: rate limits', () => {
  it('are off unless a test turns them on', async () => {
    const slack = await fake({ clock: new ManualClock() });
    for (let i = 0; i < 10; i++)
      expect((await api(slack, 'chat.postMessage', { channel: 'C1', text: `${i}` })).status).toBe(200);
    expect(slack.ratelimited()).toBe(0);
  });

  it('chat.postMessage: about one a second per channel after a short burst, 429 with Retry-After', async () => {
    const clock = new ManualClock();
    const slack = await fake({ clock, rateLimits: true });
    const post = (channel: string) => api(slack, 'chat.postMessage', { channel, text: 'x' });
    const burst = SLACK_RATE_LIMITS.postMessagePerChannel.burst;
    for (let i = 0; i < burst; i++) expect((await post('C1')).status).toBe(200);
    const limited = await post('C1');
    expect(limited).toMatchObject({
      status: 429,
      retryAfter: '1',
      body: { ok: false, error: 'ratelimited' },
    });
    expect((await post('C2')).status).toBe(200);
    clock.advance(1000);
    expect((await post('C1')).status).toBe(200);
    expect((await post('C1')).status).toBe(429);
    expect(slack.ratelimited('chat.postMessage')).toBe(2);
    expect(slack.messages('C1')).toHaveLength(burst + 1);
  });

  it('chat.update: Tier 3, 50 a minute shared by every message; views.publish: Tier 4', async () => {
    const clock = new ManualClock();
    const slack = await fake({ clock, rateLimits: true });
    const posted = (await api(slack, 'chat.postMessage', { channel: 'C1', text: 'x' })).body;
    const other = (await api(slack, 'chat.postMessage', { channel: 'C2', text: 'x' })).body;
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      const target = i % 2 === 0 ? posted : other;
      expect(
        (await api(slack, 'chat.update', { channel: target.channel, ts: target.ts, text: `${i}` })).status,
      ).toBe(200);
    }
    const limited = await api(slack, 'chat.update', { channel: 'C1', ts: posted.ts, text: 'late' });
    expect(limited.status).toBe(429);
    // The first of the 50 leaves the one-minute window 55.1 s later.
    expect(limited.retryAfter).toBe('56');
    clock.advance(56_000);
    expect((await api(slack, 'chat.update', { channel: 'C1', ts: posted.ts, text: 'now' })).status).toBe(200);
    for (let i = 0; i < 100; i++)
      expect(
        (await api(slack, 'views.publish', { user_id: 'U1', view: { type: 'home', blocks: [] } })).status,
      ).toBe(200);
    expect(
      (await api(slack, 'views.publish', { user_id: 'U1', view: { type: 'home', blocks: [] } })).status,
    ).toBe(429);
    expect(slack.ratelimited()).toBe(2);
  });

  it('can be adjusted and turned off by a test', async () => {
    const clock = new ManualClock();
    const slack = await fake({ clock, rateLimits: { perMinute: { 'chat.postEphemeral': 1 } } });
    const ephemeral = () => api(slack, 'chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'x' });
    expect((await ephemeral()).status).toBe(200);
    expect((await ephemeral()).status).toBe(429);
    slack.setRateLimits(false);
    expect((await ephemeral()).status).toBe(200);
  });

  it('is waited out by the WebClient, which retries after Retry-After', async () => {
    const slack = await fake({ rateLimits: { postMessagePerChannel: { burst: 1 } } });
    const client = new webApi.WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    });
    await client.chat.postMessage({ channel: 'C1', text: 'first' });
    await client.chat.postMessage({ channel: 'C1', text: 'second' });
    expect(slack.ratelimited('chat.postMessage')).toBeGreaterThanOrEqual(1);
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['first', 'second']);
    const calls = slack.callsTo('chat.postMessage');
    const refused = calls.find((c) => c.ratelimited);
    const retried = calls.at(-1);
    expect(retried && refused && retried.time - refused.time).toBeGreaterThanOrEqual(900);
  });
});
