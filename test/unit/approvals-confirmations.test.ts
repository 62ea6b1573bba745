import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { Approvals } from '../../src/core/operations/approvals.js';
import type { PendingChange } from '../../src/core/operations/change.js';
import { Confirmations } from '../../src/core/operations/confirmations.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';

const T0 = 1_700_000_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHANGE: PendingChange = {
  action: 'pause',
  target: { environment: 'prod', key: 'payments-eu' },
  reason: 'fraud spike',
  forMs: 900_000,
};
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';

let now: number;
const clock = () => now;
let store: MemoryStateStore;

beforeEach(() => {
  now = T0;
  store = new MemoryStateStore(clock);
});

/** Ids a forged or stale button could carry. */
const forged = (real: string) => [
  '',
  'nope',
  '../../approval/x',
  '__proto__',
  real.toUpperCase(),
  ` ${real}`,
  `${real}\n`,
  real.slice(0, 35),
  '-'.repeat(36),
  randomUUID(),
];

describe('Approvals', () => {
  let approvals: Approvals;
  beforeEach(() => {
    approvals = new Approvals(store, clock);
  });
  const create = (expiresMs = 30 * 60_000) =>
    approvals.create(ALICE, 'C0INC', CHANGE, 'two people', expiresMs);

  it('creates a request with a fresh UUID, readable by get', async () => {
    const request = await create(1_000);
    expect(request).toEqual({
      id: expect.stringMatching(UUID),
      requesterId: ALICE,
      channelId: 'C0INC',
      change: CHANGE,
      rule: 'two people',
      createdAt: T0,
      expiresAt: T0 + 1_000,
    });
    expect(await approvals.get(request.id)).toEqual(request);
    expect((await create()).id).not.toBe(request.id);
  });

  it('attachMessage records where the card is', async () => {
    const request = await create();
    await approvals.attachMessage(request.id, { channel: 'C0INC', ts: '1.2' });
    expect(await approvals.get(request.id)).toEqual({ ...request, message: { channel: 'C0INC', ts: '1.2' } });
    await approvals.attachMessage(randomUUID(), { channel: 'C0INC', ts: '1.3' });
  });

  it('the requester cannot decide their own request, which stays pending', async () => {
    const request = await create();
    expect(await approvals.decide(request.id, ALICE)).toEqual({ kind: 'own_request' });
    expect(await approvals.get(request.id)).toEqual(request);
  });

  it('someone else decides it, once', async () => {
    const request = await create();
    expect(await approvals.decide(request.id, BOB)).toEqual({ kind: 'decided', request });
    expect(await approvals.decide(request.id, BOB)).toEqual({ kind: 'gone' });
    expect(await approvals.decide(request.id, CAROL)).toEqual({ kind: 'gone' });
    expect(await approvals.decide(request.id, ALICE)).toEqual({ kind: 'gone' });
    expect(await approvals.get(request.id)).toBeUndefined();
  });

  it('two deciders at once (e.g. on two replicas): one decides, the other finds it gone', async () => {
    const request = await create();
    const other = new Approvals(store, clock);
    const results = await Promise.all([approvals.decide(request.id, BOB), other.decide(request.id, CAROL)]);
    expect(results.map((result) => result.kind).sort()).toEqual(['decided', 'gone']);
  });

  it('an expired request is gone, to everyone', async () => {
    const request = await create(1_000);
    now = T0 + 999;
    expect(await approvals.decide(request.id, ALICE)).toEqual({ kind: 'own_request' });
    now = T0 + 1_000;
    expect(await approvals.decide(request.id, BOB)).toEqual({ kind: 'gone' });
    expect(await approvals.decide(request.id, ALICE)).toEqual({ kind: 'gone' });
  });

  it('a request decided just before expiry is decided', async () => {
    const request = await create(1_000);
    now = T0 + 999;
    expect(await approvals.decide(request.id, BOB)).toMatchObject({ kind: 'decided' });
  });

  it('forged ids are gone', async () => {
    const request = await create();
    for (const id of forged(request.id)) {
      expect(await approvals.get(id), JSON.stringify(id)).toBeUndefined();
      expect(await approvals.decide(id, BOB), JSON.stringify(id)).toEqual({ kind: 'gone' });
      expect(await approvals.withdraw(id, ALICE), JSON.stringify(id)).toBeUndefined();
    }
    expect(await approvals.get(request.id)).toEqual(request);
  });

  it('only the requester withdraws, once', async () => {
    const request = await create();
    expect(await approvals.withdraw(request.id, BOB)).toBeUndefined();
    expect(await approvals.get(request.id)).toEqual(request);
    expect(await approvals.withdraw(request.id, ALICE)).toEqual(request);
    expect(await approvals.withdraw(request.id, ALICE)).toBeUndefined();
    expect(await approvals.decide(request.id, BOB)).toEqual({ kind: 'gone' });
  });

  it('takeExpired takes each expired request once, and leaves the others', async () => {
    const soon = await create(1_000);
    const late = await create(10_000);
    expect(await approvals.takeExpired()).toEqual([]);
    now = T0 + 1_000;
    expect(await approvals.takeExpired()).toEqual([soon]);
    expect(await approvals.takeExpired()).toEqual([]);
    expect(await approvals.get(late.id)).toEqual(late);
    now = T0 + 10_000;
    expect(await approvals.takeExpired()).toEqual([late]);
  });

  it('two replicas taking expired requests at once take each one once', async () => {
    for (let index = 0; index < 10; index++) await create(1_000 + index);
    now = T0 + 60_000;
    const [mine, theirs] = await Promise.all([
      approvals.takeExpired(),
      new Approvals(store, clock).takeExpired(),
    ]);
    const ids = [...mine, ...theirs].map((request) => request.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });
});

describe('Confirmations', () => {
  let confirmations: Confirmations;
  beforeEach(() => {
    confirmations = new Confirmations(store, 60_000, clock);
  });

  it('creates a pending change with a fresh UUID', async () => {
    const pending = await confirmations.create(ALICE, 'C0INC', CHANGE);
    expect(pending).toEqual({
      id: expect.stringMatching(UUID),
      actorId: ALICE,
      channelId: 'C0INC',
      change: CHANGE,
      createdAt: T0,
    });
    expect(confirmations.ttlMs).toBe(60_000);
    expect(new Confirmations(store).ttlMs).toBe(15 * 60_000);
  });

  it('only the asker confirms, and only once', async () => {
    const pending = await confirmations.create(ALICE, 'C0INC', CHANGE);
    expect(await confirmations.confirm(pending.id, BOB)).toEqual({ kind: 'not_yours' });
    expect(await confirmations.confirm(pending.id, ALICE)).toEqual({ kind: 'confirmed', pending });
    expect(await confirmations.confirm(pending.id, ALICE)).toEqual({ kind: 'gone' });
    expect(await confirmations.confirm(pending.id, BOB)).toEqual({ kind: 'gone' });
  });

  it('a double click confirms once', async () => {
    const pending = await confirmations.create(ALICE, undefined, CHANGE);
    const other = new Confirmations(store, 60_000, clock);
    const results = await Promise.all([
      confirmations.confirm(pending.id, ALICE),
      confirmations.confirm(pending.id, ALICE),
      other.confirm(pending.id, ALICE),
    ]);
    expect(results.map((result) => result.kind).sort()).toEqual(['confirmed', 'gone', 'gone']);
  });

  it('forged ids are gone, and cancel nothing', async () => {
    const pending = await confirmations.create(ALICE, 'C0INC', CHANGE);
    for (const id of forged(pending.id)) {
      expect(await confirmations.confirm(id, ALICE), JSON.stringify(id)).toEqual({ kind: 'gone' });
      expect(await confirmations.cancel(id, ALICE), JSON.stringify(id)).toBeUndefined();
    }
    expect(await confirmations.confirm(pending.id, ALICE)).toMatchObject({ kind: 'confirmed' });
  });

  it('only the asker cancels; a cancelled change cannot be confirmed', async () => {
    const pending = await confirmations.create(ALICE, 'C0INC', CHANGE);
    expect(await confirmations.cancel(pending.id, BOB)).toBeUndefined();
    expect(await confirmations.cancel(pending.id, ALICE)).toEqual(pending);
    expect(await confirmations.cancel(pending.id, ALICE)).toBeUndefined();
    expect(await confirmations.confirm(pending.id, ALICE)).toEqual({ kind: 'gone' });
  });

  it('a confirmation expires after its ttl', async () => {
    const pending = await confirmations.create(ALICE, 'C0INC', CHANGE);
    now = T0 + 59_999;
    expect(await confirmations.confirm(pending.id, BOB)).toEqual({ kind: 'not_yours' });
    now = T0 + 60_000;
    expect(await confirmations.confirm(pending.id, ALICE)).toEqual({ kind: 'gone' });
    expect(await confirmations.cancel(pending.id, ALICE)).toBeUndefined();
  });
});
