import type { AccessDecision, AccessRequest, Actor, Grant } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { ApprovalRequest } from '../operations/approvals.js';
import type { QStashError } from '../qstash/errors.js';
import type { Ramp } from '../ramp/ramp-record.js';
import type { Timer } from '../scheduler/timers.js';
import type { CatalogKey, KeyCatalog } from './key-catalog.js';
import type { RecentChange } from './recent-changes.js';

/** Everything one person's Home tab shows, already filtered by what their access lets them see. */
export interface HomeSnapshot {
  readonly userId: string;
  /** Their own workspace or org when it is not Flowbot's (a Slack Connect guest). */
  readonly foreignTeam?: string;
  /** Their grants, as `/flow whoami` shows them. */
  readonly grants: readonly Grant[];
  /** Some of their user groups could not be checked (Slack did not answer). */
  readonly uncertain: boolean;
  /** False: no rule lets them do anything; nothing below is filled in, no key is named. */
  readonly hasAccess: boolean;
  /** Paused keys and keys with a long waitlist, paused first, then by waitlist. */
  readonly attention: readonly CatalogKey[];
  readonly visibleCount: number;
  readonly pausedCount: number;
  /** The environments they may list, with when they were last read and why the last read failed. */
  readonly environments: readonly {
    readonly environment: string;
    readonly fetchedAt: number | undefined;
    readonly error: QStashError | undefined;
  }[];
  readonly ramps: readonly Ramp[];
  readonly timedPauses: readonly Timer[];
  /** Requests of others they may approve or reject. */
  readonly approvals: readonly ApprovalRequest[];
  /** Their own requests still waiting for someone. */
  readonly ownRequests: readonly ApprovalRequest[];
  readonly recent: readonly RecentChange[];
  /** Epoch ms. */
  readonly at: number;
}

export interface HomeSources {
  readonly catalog: KeyCatalog;
  readonly policy: {
    authorize(request: AccessRequest): Promise<AccessDecision>;
    grantsFor(userId: string, foreignTeam?: string): Promise<{ grants: Grant[]; uncertain: boolean }>;
  };
  readonly ramps: { active(): Promise<Ramp[]> };
  readonly timers: { all(): Promise<Timer[]> };
  readonly approvals: { open(): Promise<ApprovalRequest[]> };
  readonly recent: { list(): Promise<RecentChange[]> };
  /** A delivering key with at least this many waiting messages needs attention too. */
  readonly waitlistThreshold: number;
  readonly now?: () => number;
}

/**
 * Builds a person's Home from what Flowbot already knows (the key catalog, pending work in the store): no
 * QStash call, so the Home is published at once however slow QStash is. Everything is filtered as in
 * channels (for the person as they are: of another workspace, only the rules naming it apply): a key appears only if the person may `list` it, an approval only if they may `approve` it, with
 * no channel (the Home tab is not one, so channel-limited rules don't apply there).
 */
export async function buildHomeSnapshot(sources: HomeSources, actor: Actor): Promise<HomeSnapshot> {
  const at = (sources.now ?? Date.now)();
  const { userId } = actor;
  const { grants, uncertain } = await sources.policy.grantsFor(userId, actor.foreignTeam);
  const empty: HomeSnapshot = {
    userId,
    ...(actor.foreignTeam !== undefined ? { foreignTeam: actor.foreignTeam } : {}),
    grants,
    uncertain,
    hasAccess: false,
    attention: [],
    visibleCount: 0,
    pausedCount: 0,
    environments: [],
    ramps: [],
    timedPauses: [],
    approvals: [],
    ownRequests: [],
    recent: [],
    at,
  };
  if (!grants.some((grant) => grant.effect === 'allow')) return empty;

  const may = async (action: 'list' | 'approve', target: KeyRef | { environment: string; key: undefined }) =>
    (
      await sources.policy.authorize({
        actor,
        action,
        environment: target.environment,
        key: target.key,
        channelId: undefined,
      })
    ).kind === 'allowed';
  const visible = await sources.catalog.visibleTo(actor, undefined);
  const attention = visible
    .filter((entry) => entry.state.paused || entry.state.waitlistSize >= sources.waitlistThreshold)
    .sort(
      (a, b) =>
        Number(b.state.paused) - Number(a.state.paused) ||
        b.state.waitlistSize - a.state.waitlistSize ||
        a.ref.key.localeCompare(b.ref.key),
    );
  const environments = [];
  for (const listing of sources.catalog.snapshot()) {
    if (await may('list', { environment: listing.environment, key: undefined }))
      environments.push({
        environment: listing.environment,
        fetchedAt: listing.fetchedAt,
        error: listing.error,
      });
  }
  const [ramps, timers, open, recent] = await Promise.all([
    sources.ramps.active(),
    sources.timers.all(),
    sources.approvals.open(),
    sources.recent.list(),
  ]);
  const filter = async <T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> => {
    const kept: T[] = [];
    for (const item of items) if (await keep(item)) kept.push(item);
    return kept;
  };
  return {
    ...empty,
    hasAccess: true,
    attention,
    visibleCount: visible.length,
    pausedCount: visible.filter((entry) => entry.state.paused).length,
    environments,
    ramps: await filter(ramps, (ramp) => may('list', ramp.target)),
    timedPauses: (await filter(timers, (timer) => may('list', timer.target)))
      .filter((timer) => timer.kind === 'resume')
      // A batch's keys share one due time (a millisecond tie by design): in key order, whatever the store's.
      .sort(
        (a, b) =>
          a.dueAt - b.dueAt ||
          a.target.environment.localeCompare(b.target.environment) ||
          a.target.key.localeCompare(b.target.key),
      ),
    approvals: await filter(
      open.filter((request) => request.requesterId !== userId),
      (request) => may('approve', request.change.target),
    ),
    ownRequests: open.filter((request) => request.requesterId === userId),
    recent: await filter(recent, (change) => may('list', change.target)),
  };
}
