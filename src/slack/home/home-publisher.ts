import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { buildHomeSnapshot, type HomeSources } from '../../core/catalog/home-snapshot.js';
import type { StateStore } from '../../core/store/state-store.js';
import type { WorkTracker } from '../../core/work-tracker.js';
import { homeView } from '../blocks/home.js';
import { outboundView } from '../blocks/outbound.js';
import type { KeyNaming } from '../blocks/outcome.js';

export interface HomePublisherOptions {
  /** Changes within this long of each other make one publish per person (ms). */
  readonly debounceMs?: number;
  /** At least this long between two `views.publish` calls (Tier 4: 100+ a minute; 600 ms keeps under 100). */
  readonly spacingMs?: number;
  /** Someone who opened their Home within this long is kept up to date (ms). */
  readonly viewerTtlMs?: number;
  /** How often viewers' Homes are rebuilt to catch what changed without Flowbot (ms); 0: never. */
  readonly rebuildEveryMs?: number;
}

const VIEWERS = 'home-viewer';

/** Whose Home: the user ID and, for a person of another workspace or org, their team. */
interface Person {
  readonly actorId: string;
  readonly foreignTeam?: string;
}

/** Who has their Home open, kept in the store so every replica keeps it up to date. */
interface Viewer {
  readonly at: number;
  readonly foreignTeam?: string;
}

/**
 * Publishes people's Home tabs. On `app_home_opened` at once; afterwards, for whoever opened it recently, again
 * when something changes (debounced per person, spaced to stay within `views.publish`'s rate limit, and only when
 * the view actually differs). Who has the Home open is kept in the state store, so the replica that makes a
 * change refreshes everyone's, whichever replica they opened it on.
 */
export class HomePublisher {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly queue: string[] = [];
  private readonly published = new Map<string, string>();
  /** People of another workspace or org whose Home this replica publishes: their team, for the policy. */
  private readonly foreignTeams = new Map<string, string>();
  private draining: Promise<void> | undefined;
  private lastPublish = 0;
  private rebuilder: NodeJS.Timeout | undefined;
  private stopped = false;
  private viewersPending = false;
  private readonly debounceMs: number;
  private readonly spacingMs: number;
  private readonly viewerTtlMs: number;
  private readonly rebuildEveryMs: number;

  constructor(
    private readonly client: WebClient,
    private readonly sources: HomeSources,
    private readonly naming: KeyNaming,
    private readonly store: StateStore,
    private readonly work: WorkTracker,
    private readonly logger: Logger,
    options: HomePublisherOptions = {},
    private readonly onSlackError: (method: string, error: string) => void = () => {},
  ) {
    this.debounceMs = options.debounceMs ?? 1_000;
    this.spacingMs = options.spacingMs ?? 600;
    this.viewerTtlMs = options.viewerTtlMs ?? 15 * 60_000;
    this.rebuildEveryMs = options.rebuildEveryMs ?? 15_000;
  }

  /**
   * Someone opened their Home: remember them (with their team when it is not Flowbot's), publish now, and read
   * QStash again if the list is old.
   */
  async opened(person: Person): Promise<void> {
    const userId = this.remember(person);
    const viewer: Viewer = {
      at: Date.now(),
      ...(person.foreignTeam !== undefined ? { foreignTeam: person.foreignTeam } : {}),
    };
    await this.store.set(VIEWERS, userId, viewer, { ttlMs: this.viewerTtlMs });
    this.sources.catalog.freshen();
    await this.publish(userId, true);
  }

  /** Publishes this person's Home again now (the Refresh button), reading QStash first if the list is old. */
  async refreshNow(person: Person): Promise<void> {
    const userId = this.remember(person);
    this.sources.catalog.freshen();
    await this.publish(userId, true);
  }

  /** Something this person may see changed: their Home is published again shortly (debounced). */
  refresh(userId: string): void {
    if (this.stopped || this.pending.has(userId)) return;
    const timer = setTimeout(() => {
      this.pending.delete(userId);
      this.enqueue(userId);
    }, this.debounceMs);
    timer.unref();
    this.pending.set(userId, timer);
  }

  /**
   * Something changed: everyone who has their Home open gets it again. Changes arriving together (an incident
   * resumes many keys) make one look at who is watching.
   */
  refreshViewers(): void {
    if (this.stopped || this.viewersPending) return;
    this.viewersPending = true;
    const timer = setTimeout(() => {
      this.viewersPending = false;
      void this.work.run(async () => {
        for (const { id, value } of await this.store.list<Viewer>(VIEWERS)) {
          if (typeof value.foreignTeam === 'string') this.foreignTeams.set(id, value.foreignTeam);
          this.refresh(id);
        }
      }, 'background');
    }, this.debounceMs);
    timer.unref();
  }

  /**
   * Rebuilds viewers' Homes now and then (on the replica that runs background work), so what changes without a
   * Flowbot change (a new approval request, a ramp step, a key paused in the console) shows up too.
   */
  startRebuilding(leading: () => boolean): void {
    if (this.rebuildEveryMs <= 0 || this.rebuilder) return;
    this.rebuilder = setInterval(() => {
      if (!leading()) return;
      this.sources.catalog.freshen();
      this.refreshViewers();
    }, this.rebuildEveryMs);
    this.rebuilder.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.rebuilder);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.queue.length = 0;
  }

  private remember(person: Person): string {
    if (person.foreignTeam !== undefined) this.foreignTeams.set(person.actorId, person.foreignTeam);
    else this.foreignTeams.delete(person.actorId);
    return person.actorId;
  }

  private enqueue(userId: string): void {
    if (this.stopped || this.queue.includes(userId)) return;
    this.queue.push(userId);
    this.draining ??= this.work
      .run(() => this.drain())
      .finally(() => {
        this.draining = undefined;
      });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      await this.publish(next, false);
    }
  }

  private async publish(userId: string, always: boolean): Promise<void> {
    const foreignTeam = this.foreignTeams.get(userId);
    const snapshot = await buildHomeSnapshot(this.sources, {
      userId,
      ...(foreignTeam !== undefined ? { foreignTeam } : {}),
    });
    const view = outboundView(homeView(snapshot, this.naming));
    // The times in the second block change on every read; without them, an unchanged Home is not published again.
    const signature = JSON.stringify([
      view.blocks.slice(2),
      snapshot.environments.map((environment) => environment.error?.kind),
    ]);
    if (!always && this.published.get(userId) === signature) return;
    const wait = this.lastPublish + this.spacingMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastPublish = Date.now();
    try {
      await this.client.views.publish({ user_id: userId, view });
      this.published.set(userId, signature);
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      const reason = typeof code === 'string' ? code : 'unreachable';
      this.onSlackError('views.publish', reason);
      this.logger.warn({ err: error, user: userId, reason }, 'could not publish a Home tab');
    }
  }
}
