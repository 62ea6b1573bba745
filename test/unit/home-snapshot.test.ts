import { describe, expect, it } from 'vitest';
import { buildHomeSnapshot, type HomeSources } from '../../src/core/catalog/home-snapshot.js';
import { KeyCatalog } from '../../src/core/catalog/key-catalog.js';
import type { ApprovalRequest } from '../../src/core/operations/approvals.js';
import { PolicyEngine } from '../../src/core/policy/policy-engine.js';
import type { PolicyDocument } from '../../src/core/policy/policy-schema.js';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { keyState } from './fixtures.js';

function key(name: string, fields: Partial<FlowKeyState> = {}): FlowKeyState {
  return keyState({ key: name, ...fields });
}

const POLICY: PolicyDocument = {
  version: 1,
  rules: [
    {
      name: 'orders team',
      effect: 'allow',
      subjects: ['UORDERS'],
      actions: ['list', 'status', 'resume', 'approve'],
      keys: ['orders-*'],
      environments: ['*'],
    },
    {
      name: 'incident only',
      effect: 'allow',
      subjects: ['UCHANNEL'],
      actions: ['*'],
      keys: ['*'],
      environments: ['*'],
      channels: ['C1'],
    },
  ],
  approvals: [],
};

const at = (target: string) => ({ environment: 'default', key: target });

function request(id: string, requesterId: string, target: string): ApprovalRequest {
  return {
    id,
    requesterId,
    channelId: 'C1',
    change: { action: 'pause', target: at(target) },
    rule: 'two people',
    createdAt: 0,
    expiresAt: Date.now() + 60_000,
  };
}

async function sources(): Promise<HomeSources> {
  const engine = new PolicyEngine(POLICY, { members: async () => new Set<string>() });
  const policy = {
    authorize: (r: Parameters<typeof engine.decide>[0]) => engine.decide(r),
    grantsFor: (u: string) => engine.grantsFor(u),
  };
  const catalog = new KeyCatalog(
    {
      names: ['default'],
      defaultName: 'default',
      client: () => ({
        list: async () => [
          key('orders-eu', { paused: true, waitlistSize: 5 }),
          key('orders-us', { waitlistSize: 2_000 }),
          key('orders-quiet', { waitlistSize: 3 }),
          key('payments-us', { paused: true }),
        ],
      }),
    },
    policy,
  );
  await catalog.refresh();
  const timer = (target: string): Timer => ({
    id: target,
    kind: 'resume',
    target: at(target),
    channelId: 'C1',
    actorId: 'UX',
    pausedAt: 0,
    dueAt: 1,
  });
  return {
    catalog,
    policy,
    ramps: { active: async () => [] },
    timers: { all: async () => [timer('orders-eu'), timer('payments-us')] },
    approvals: {
      open: async () => [
        request('a1', 'UOTHER', 'orders-eu'),
        request('a2', 'UOTHER', 'payments-us'),
        request('a3', 'UORDERS', 'orders-us'),
      ],
    },
    recent: {
      list: async () => [
        { at: Date.now(), actorId: 'UX', action: 'resume', target: at('payments-us'), source: 'command' },
      ],
    },
    waitlistThreshold: 1_000,
  };
}

describe('a person’s Home snapshot', () => {
  it('holds only what their policy lets them see or decide', async () => {
    const snapshot = await buildHomeSnapshot(await sources(), { userId: 'UORDERS' });
    expect(snapshot.hasAccess).toBe(true);
    expect(snapshot.attention.map((entry) => entry.ref.key)).toEqual(['orders-eu', 'orders-us']);
    expect(snapshot.visibleCount).toBe(3);
    expect(snapshot.timedPauses.map((timer) => timer.target.key)).toEqual(['orders-eu']);
    // Others' requests on keys they may approve; their own apart, with no Approve for them.
    expect(snapshot.approvals.map((r) => r.id)).toEqual(['a1']);
    expect(snapshot.ownRequests.map((r) => r.id)).toEqual(['a3']);
    expect(snapshot.recent).toEqual([]);
  });

  it('lists timed pauses by due time, and those due at the same millisecond (a batch’s) by key', async () => {
    const base = await sources();
    const timer = (key: string, dueAt: number): Timer => ({
      id: key,
      kind: 'resume',
      target: at(key),
      channelId: 'C1',
      actorId: 'UX',
      pausedAt: 0,
      dueAt,
    });
    const all = [
      timer('orders-us', 5),
      timer('orders-quiet', 9),
      timer('orders-eu', 5),
      timer('orders-ab', 7),
    ];
    for (const order of [all, [...all].reverse()]) {
      const snapshot = await buildHomeSnapshot(
        { ...base, timers: { all: async () => order } },
        { userId: 'UORDERS' },
      );
      expect(snapshot.timedPauses.map((t) => t.target.key)).toEqual([
        'orders-eu',
        'orders-us',
        'orders-ab',
        'orders-quiet',
      ]);
    }
  });

  it('is empty for someone no rule names, and for a rule that only applies in a channel', async () => {
    const stranger = await buildHomeSnapshot(await sources(), { userId: 'UNOBODY' });
    expect(stranger.hasAccess).toBe(false);
    expect(stranger).toMatchObject({ attention: [], approvals: [], ramps: [], timedPauses: [], recent: [] });
    // The Home tab is no channel: a channel-limited rule shows nothing there (but the grant is listed).
    const channelOnly = await buildHomeSnapshot(await sources(), { userId: 'UCHANNEL' });
    expect(channelOnly.hasAccess).toBe(true);
    expect(channelOnly.attention).toEqual([]);
    expect(channelOnly.grants[0]?.channels).toEqual(['C1']);
  });
});
