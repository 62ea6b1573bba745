import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/core/alerts/alert-signal.js';
import type { FlowOperations } from '../../src/core/operations/flow-operations.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { AlertDesk } from '../../src/slack/alerts/alert-desk.js';
import type { AlertSender } from '../../src/slack/alerts/paced-sender.js';
import type { SlackMessage } from '../../src/slack/blocks/types.js';

const TEAM = 'CTEAM0001';
const INCIDENTS = 'CINC00001';
const STALE_MS = 60_000;

/** The desk on a clock the test moves, sending to a recorder; QStash knows no key. */
function deskOnAClock(watcherSees: (id: string, channel: string) => boolean = () => false) {
  let now = 1_000_000;
  let ts = 0;
  const posts: { channel: string; threadTs?: string; text: string }[] = [];
  const updates: { channel: string; ts: string; text: string }[] = [];
  const sender: AlertSender = {
    async post(channel: string, message: SlackMessage, threadTs?: string) {
      posts.push({ channel, ...(threadTs ? { threadTs } : {}), text: JSON.stringify(message) });
      ts += 1;
      return { kind: 'posted', channel, ts: `1700000000.${String(ts).padStart(6, '0')}` };
    },
    async update(channel: string, at: string, message: SlackMessage) {
      updates.push({ channel, ts: at, text: JSON.stringify(message) });
      return { kind: 'posted', channel, ts: at };
    },
  };
  const operations = { peek: async () => 'not_found' } as unknown as FlowOperations;
  // The store keeps real time: its locks are released by expiring.
  const store = new MemoryStateStore();
  const desk = new AlertDesk(
    store,
    operations,
    sender,
    { environmentCount: 1 },
    pino({ level: 'silent' }),
    { staleAfterMs: STALE_MS, keepResolvedMs: 3_600_000 },
    async (id, channel) => watcherSees(id, channel),
    () => now,
    { after: 1, windowMs: 600_000 },
  );
  return {
    desk,
    store,
    posts,
    updates,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const signal = (key: string, channel: string, status: 'firing' | 'resolved' = 'firing'): AlertSignal => ({
  target: { environment: 'default', key },
  channel,
  status,
  source: 'api',
});

describe('the alert desk with one key in several channels', () => {
  it('asks whether the key is open per channel', async () => {
    const { desk } = deskOnAClock();
    await desk.receive(signal('orders-eu', TEAM));
    const target = { environment: 'default', key: 'orders-eu' };
    expect(await desk.isOpen(target, TEAM)).toBe(true);
    expect(await desk.isOpen(target, INCIDENTS)).toBe(false);
    await desk.receive(signal('orders-eu', TEAM, 'resolved'));
    expect(await desk.isOpen(target, TEAM)).toBe(false);
  });

  it('closes as stale each channel’s incident on its own last report, message and roll-up row alike', async () => {
    const { desk, advance, updates } = deskOnAClock();
    const target = { environment: 'default', key: 'orders-eu' };
    // The team channel's window has its one own message: orders-eu is a roll-up row there.
    await desk.receive(signal('first-key', TEAM));
    const row = await desk.receive(signal('orders-eu', TEAM));
    expect(row).toMatchObject({ kind: 'delivered', rollup: true });
    await desk.receive(signal('orders-eu', INCIDENTS));
    advance(STALE_MS / 2);
    // Reported lately in both: the sweep closes nothing, a roll-up row included.
    await desk.receive(signal('orders-eu', TEAM));
    await desk.receive(signal('orders-eu', INCIDENTS));
    await desk.receive(signal('first-key', TEAM));
    advance(STALE_MS / 2 + 1);
    expect(await desk.closeStale()).toBe(0);
    expect(await desk.isOpen(target, TEAM)).toBe(true);
    // Only the incident channel hears again; past the stale period the team's row closes, the other stays.
    await desk.receive(signal('orders-eu', INCIDENTS));
    await desk.receive(signal('first-key', TEAM));
    advance(STALE_MS / 2);
    expect(await desk.closeStale()).toBe(1);
    expect(await desk.isOpen(target, TEAM)).toBe(false);
    expect(await desk.isOpen(target, INCIDENTS)).toBe(true);
    expect(updates.filter((u) => u.channel === INCIDENTS && u.text.includes('Closed as stale'))).toHaveLength(
      0,
    );
    desk.stop();
  });

  it('keeps open what the watcher sees only in the channel it alerts into', async () => {
    const { desk, advance } = deskOnAClock((_id, channel) => channel === INCIDENTS);
    const target = { environment: 'default', key: 'orders-eu' };
    await desk.receive(signal('orders-eu', TEAM));
    await desk.receive(signal('orders-eu', INCIDENTS));
    advance(STALE_MS + 1);
    expect(await desk.closeStale()).toBe(1);
    expect(await desk.isOpen(target, TEAM)).toBe(false);
    expect(await desk.isOpen(target, INCIDENTS)).toBe(true);
  });

  it('a change shows on every open message of the key, with a thread note under each', async () => {
    const { desk, posts, updates } = deskOnAClock();
    const team = await desk.receive(signal('orders-eu', TEAM));
    const incidents = await desk.receive(signal('orders-eu', INCIDENTS));
    await desk.followChange({ environment: 'default', key: 'orders-eu' }, 'UOPERATOR1', 'resume', undefined);
    for (const message of [team, incidents]) {
      if (message.kind !== 'delivered') throw new Error('not delivered');
      expect(updates.some((u) => u.ts === message.ts && u.text.includes('Resumed by'))).toBe(true);
      expect(posts.some((p) => p.threadTs === message.ts && p.text.includes('resumed'))).toBe(true);
    }
  });
});
