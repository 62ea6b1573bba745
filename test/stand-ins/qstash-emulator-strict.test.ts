import got, { type Got } from 'got';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../stand-ins/clock.js';
import {
  type QStashEmulator,
  type QStashEmulatorOptions,
  startQStashEmulator,
} from '../../stand-ins/qstash-emulator.js';

const TOKEN = 'test-qstash-token';
const started: QStashEmulator[] = [];

async function emulator(options: QStashEmulatorOptions = {}): Promise<{ emu: QStashEmulator; http: Got }> {
  const emu = await startQStashEmulator({ token: TOKEN, ...options });
  started.push(emu);
  const http = got.extend({
    prefixUrl: emu.url,
    headers: { authorization: `Bearer ${TOKEN}` },
    throwHttpErrors: false,
    retry: { limit: 0 },
  });
  return { emu, http };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

const json = (body: string): unknown => JSON.parse(body);
const seconds = (ms: number) => Math.floor(ms / 1000);

describe('QStash emulator: errors as QStash sends them', () => {
  it('answers every error with {"error": "…"}', async () => {
    const { http } = await emulator();
    const cases = [
      await http.get('v2/flowControl/missing'),
      await http.get('v2/nothing'),
      await http.post('v2/flowControl/k/pin?rate=0'),
      await http.post('v2/flowControl/k/unpin?rate=yes'),
      await http.get('v2/flowControl', { headers: { authorization: 'Bearer wrong' } }),
      await got.get(`${http.defaults.options.prefixUrl}v2/flowControl`, { throwHttpErrors: false }),
    ];
    expect(cases.map((r) => r.statusCode)).toEqual([404, 404, 400, 400, 401, 401]);
    for (const res of cases) {
      expect(res.headers['content-type']).toBe('application/json');
      expect(json(res.body)).toEqual({ error: expect.any(String) });
    }
  });

  it('tells a token of another region apart from a bad token: 404 "user not found in this region"', async () => {
    const { emu, http } = await emulator({ otherRegionTokens: ['us-east-token'] });
    emu.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const other = { headers: { authorization: 'Bearer us-east-token' } };
    for (const res of [
      await http.get('v2/flowControl', other),
      await http.get('v2/flowControl/orders-eu', other),
      await http.post('v2/flowControl/orders-eu/resume', other),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(json(res.body)).toEqual({ error: 'user not found in this region' });
    }
    expect(emu.getKey('orders-eu')?.isPaused).toBe(true);
    expect((await http.get('v2/flowControl', { headers: { authorization: 'Bearer nope' } })).statusCode).toBe(
      401,
    );
  });

  it('reads an unknown key as 404, and by default accepts a mutation of one without creating it', async () => {
    const { emu, http } = await emulator();
    expect((await http.get('v2/flowControl/ghost')).statusCode).toBe(404);
    const paused = await http.post('v2/flowControl/ghost/pause');
    expect(paused.statusCode).toBe(200);
    expect(paused.body).toBe('');
    expect(emu.getKey('ghost')).toBeUndefined();
    expect(emu.mutations.at(-1)).toMatchObject({ key: 'ghost', action: 'pause', keyExisted: false });
    emu.unknownKeyMutation = 'not-found';
    expect((await http.post('v2/flowControl/ghost/resume')).statusCode).toBe(404);
  });

  it('leaves zero and false fields out, in the key and in both list shapes, with either waitlist spelling', async () => {
    const { emu, http } = await emulator({
      waitlistFieldName: { get: 'waitListSize', list: 'waitlistSize' },
    });
    emu.setKey({ flowControlKey: 'k', waitListSize: 4, parallelismMax: 2, isPaused: false, rateCount: 0 });
    emu.setKey({ flowControlKey: '$' });
    expect(json((await http.get('v2/flowControl/k')).body)).toEqual({
      flowControlKey: 'k',
      waitListSize: 4,
      parallelismMax: 2,
    });
    const list = [{ flowControlKey: 'k', waitlistSize: 4, parallelismMax: 2 }, { flowControlKey: '$' }];
    expect(json((await http.get('v2/flowControl')).body)).toEqual(list);
    emu.setListShape('object');
    expect(json((await http.get('v2/flowControl')).body)).toEqual({ flowControls: list });
  });
});

describe('QStash emulator: both kinds of 429', () => {
  it('fires the per-second burst limit on its own, with Burst-RateLimit-* headers, and applies nothing', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, burstLimitPerSecond: 2 });
    emu.setKey({ flowControlKey: 'k' });
    const first = await http.get('v2/flowControl/k');
    expect(first.headers['burst-ratelimit-limit']).toBe('2');
    expect(first.headers['burst-ratelimit-remaining']).toBe('1');
    expect((await http.get('v2/flowControl')).headers['burst-ratelimit-remaining']).toBe('0');
    const limited = await http.post('v2/flowControl/k/pause');
    expect(limited.statusCode).toBe(429);
    expect(json(limited.body)).toEqual({ error: expect.any(String) });
    expect(limited.headers).toMatchObject({
      'burst-ratelimit-limit': '2',
      'burst-ratelimit-remaining': '0',
      'burst-ratelimit-reset': String(seconds(clock.now()) + 1),
    });
    expect(limited.headers['ratelimit-reset']).toBeUndefined();
    expect(limited.headers['retry-after']).toBeUndefined();
    expect(emu.getKey('k')?.isPaused).toBe(false);
    expect(emu.requests.at(-1)).toMatchObject({ limited: 'burst', status: 429 });
    clock.advance(1000);
    expect((await http.post('v2/flowControl/k/pause')).statusCode).toBe(200);
    expect(emu.getKey('k')?.isPaused).toBe(true);
  });

  it('fires the daily quota on its own, with RateLimit-* headers resetting at the next UTC midnight', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 15, 30));
    const { http } = await emulator({ clock, dailyQuota: 3 });
    for (let i = 0; i < 3; i++) expect((await http.get('v2/flowControl')).statusCode).toBe(200);
    const limited = await http.get('v2/flowControl');
    const midnight = Date.UTC(2026, 0, 6) / 1000;
    expect(limited.statusCode).toBe(429);
    expect(limited.headers).toMatchObject({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(midnight),
    });
    expect(limited.headers['burst-ratelimit-reset']).toBeUndefined();
    // Hours away, not seconds: a client must not wait for it.
    expect(midnight - seconds(clock.now())).toBe(8.5 * 3600);
    clock.set(Date.UTC(2026, 0, 6));
    expect((await http.get('v2/flowControl')).statusCode).toBe(200);
  });

  it('injects either kind on request', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock });
    emu.rateLimit(1, undefined, { route: 'list', kind: 'daily' });
    emu.rateLimit(1, undefined, { route: 'list' });
    const daily = await http.get('v2/flowControl');
    expect(daily.statusCode).toBe(429);
    expect(Number(daily.headers['ratelimit-reset'])).toBeGreaterThan(seconds(clock.now()) + 3600);
    expect(daily.headers['burst-ratelimit-reset']).toBeUndefined();
    const burst = await http.get('v2/flowControl');
    expect(burst.headers['burst-ratelimit-reset']).toBe(String(seconds(clock.now()) + 1));
    expect(burst.headers['ratelimit-reset']).toBeUndefined();
  });
});

describe('QStash emulator: keys that move with the clock (live)', () => {
  it('stays still unless live: a static key is what the test set', async () => {
    const clock = new ManualClock();
    const { emu } = await emulator({ clock });
    emu.setKey({
      flowControlKey: 'k',
      waitListSize: 5,
      rateMax: 1,
      ratePeriod: 1,
      rateCount: 1,
      ratePeriodStart: 1,
    });
    clock.advance(3_600_000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 5, rateCount: 1, ratePeriodStart: 1 });
  });

  it('counts rateCount within ratePeriod and rolls the period over in whole periods', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: { deliveryMs: 0 } });
    const t0 = seconds(clock.now());
    emu.setKey({ flowControlKey: 'k', waitListSize: 25, rateMax: 10, ratePeriod: 60 });
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 15, rateCount: 10, ratePeriodStart: t0 });
    clock.advance(59_999);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 15, rateCount: 10, ratePeriodStart: t0 });
    clock.advance(1);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 5, rateCount: 10, ratePeriodStart: t0 + 60 });
    clock.advance(150_000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 0, rateCount: 0, ratePeriodStart: t0 + 180 });
    expect(emu.delivered('k')).toBe(25);
    // What a client reads over HTTP is the same moving state.
    expect(json((await http.get('v2/flowControl/k')).body)).toEqual({
      flowControlKey: 'k',
      rateMax: 10,
      ratePeriod: 60,
      ratePeriodStart: t0 + 180,
    });
  });

  it('keeps the period running while paused: the count is kept within it, and cleared when it rolls over', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: { deliveryMs: 0 } });
    const t0 = seconds(clock.now());
    emu.setKey({ flowControlKey: 'k', waitListSize: 8, rateMax: 10, ratePeriod: 60, isPaused: true });
    emu.setKey({ flowControlKey: 'k', rateCount: 7, ratePeriodStart: t0 });
    clock.advance(30_000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 8, rateCount: 7, ratePeriodStart: t0 });
    expect((await http.post('v2/flowControl/k/resume')).statusCode).toBe(200);
    // Resumed inside the period: only what is left of its rate goes now.
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 5, rateCount: 10 });
    expect((await http.post('v2/flowControl/k/pause')).statusCode).toBe(200);
    clock.advance(95_000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 5, rateCount: 0, ratePeriodStart: t0 + 120 });
  });

  it('holds parallelism slots for deliveryMs, then frees them', async () => {
    const clock = new ManualClock();
    const { emu } = await emulator({ clock, live: { deliveryMs: 1000 } });
    emu.setKey({ flowControlKey: 'k', waitListSize: 10, parallelismMax: 3 });
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 7, parallelismCount: 3 });
    clock.advance(999);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 7, parallelismCount: 3 });
    clock.advance(1);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 4, parallelismCount: 3 });
    clock.advance(2000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 0, parallelismCount: 1 });
    clock.advance(1000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 0, parallelismCount: 0 });
    expect(emu.delivered('k')).toBe(10);
  });

  it('pinning and resetRate reset the count and start a new period now', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: { deliveryMs: 0 } });
    const t0 = seconds(clock.now());
    emu.setKey({ flowControlKey: 'k', waitListSize: 100, rateMax: 10, ratePeriod: 60 });
    clock.advance(20_000);
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 90, rateCount: 10, ratePeriodStart: t0 });
    await http.post('v2/flowControl/k/pin?rate=5&period=30');
    expect(emu.getKey('k')).toMatchObject({
      waitListSize: 85,
      rateCount: 5,
      rateMax: 5,
      ratePeriod: 30,
      ratePeriodStart: t0 + 20,
      isPinnedRate: true,
    });
    clock.advance(10_000);
    await http.post('v2/flowControl/k/resetRate');
    expect(emu.getKey('k')).toMatchObject({ waitListSize: 80, rateCount: 5, ratePeriodStart: t0 + 30 });
  });

  it('drains at the pinned rate, so a drain estimate can be checked: 12,340 at 50/s take 247 s', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: { deliveryMs: 200 } });
    emu.setKey({ flowControlKey: 'orders-eu', waitListSize: 12_340, isPaused: true, parallelismMax: 1000 });
    await http.post('v2/flowControl/orders-eu/pin?rate=50');
    await http.post('v2/flowControl/orders-eu/resume');
    clock.advance(245_999);
    expect(emu.getKey('orders-eu')?.waitListSize).toBe(40);
    clock.advance(1_000);
    expect(emu.getKey('orders-eu')?.waitListSize).toBe(0);
    expect(emu.delivered('orders-eu')).toBe(12_340);
  });

  it('shares global parallelism among keys and reports what runs now', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: { deliveryMs: 1000 } });
    emu.setGlobal({ parallelismMax: 4 });
    emu.setKey({ flowControlKey: 'a', waitListSize: 10, parallelismMax: 10 });
    emu.setKey({ flowControlKey: 'b', waitListSize: 10, parallelismMax: 10 });
    emu.publish('$', 3);
    const total = () => emu.keys().reduce((n, k) => n + k.parallelismCount, 0);
    expect(total()).toBe(4);
    expect(json((await http.get('v2/globalParallelism')).body)).toEqual({
      parallelismMax: 4,
      parallelismCount: 4,
    });
    clock.advance(10_000);
    expect(emu.keys().map((k) => k.waitListSize)).toEqual([0, 0, 0]);
    expect(emu.getGlobal().parallelismCount).toBe(0);
  });

  it('saturates: a key at its parallelism keeps a waitlist while messages keep coming', async () => {
    const clock = new ManualClock();
    const { emu } = await emulator({ clock, live: { deliveryMs: 500 } });
    emu.publish('emails', 100, { parallelism: 5 });
    expect(emu.getKey('emails')).toMatchObject({ parallelismMax: 5, parallelismCount: 5, waitListSize: 95 });
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      emu.publish('emails', 10, { parallelism: 5 });
    }
    expect(emu.getKey('emails')).toMatchObject({ parallelismCount: 5, waitListSize: 145 });
  });

  it('takes flow control from incoming messages unless pinned, and keeps pinned values after unpin', async () => {
    const clock = new ManualClock();
    const { emu, http } = await emulator({ clock, live: true });
    emu.publish('k', 0, { parallelism: 2, rate: 10, period: 60 });
    await http.post('v2/flowControl/k/pin?parallelism=7');
    emu.publish('k', 0, { parallelism: 3, rate: 20 });
    expect(emu.getKey('k')).toMatchObject({ parallelismMax: 7, rateMax: 20, ratePeriod: 60 });
    await http.post('v2/flowControl/k/unpin?parallelism=true');
    expect(emu.getKey('k')).toMatchObject({ parallelismMax: 7, isPinnedParallelism: false });
    emu.publish('k', 0, { parallelism: 3 });
    expect(emu.getKey('k')?.parallelismMax).toBe(3);
  });
});
