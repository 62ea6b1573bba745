import type { AccessPolicy, Actor } from '../access/types.js';
import { formatKeyRef, type KeyRef, parseKeyRef } from '../keys.js';
import { QStashError } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';

/** Where the catalog reads keys from: the configured QStash environments (QStashEnvironments fits). */
export interface KeySource {
  readonly names: readonly string[];
  readonly defaultName: string;
  client(name: string): { list(): Promise<FlowKeyState[]> };
}

export interface CatalogKey {
  readonly ref: KeyRef;
  readonly state: FlowKeyState;
}

/** One environment's keys as last read; `keys` is absent until a read has succeeded. */
export interface EnvironmentListing {
  readonly environment: string;
  readonly keys: readonly FlowKeyState[] | undefined;
  /** Epoch ms of the last successful read. */
  readonly fetchedAt: number | undefined;
  /** Why the last read failed, when it did (the keys, if any, are from an earlier read). */
  readonly error: QStashError | undefined;
}

export interface Suggestion {
  readonly ref: KeyRef;
  /** Absent for a key the person typed that is not in the list (QStash's list may lag or not serve). */
  readonly state: FlowKeyState | undefined;
}

export interface KeyCatalogOptions {
  /** A listing older than this is refreshed in the background when next used (ms). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

type Listener = () => void;

const DEFAULT_MAX_AGE_MS = 30_000;

/**
 * The flow-control keys of every environment, read with one list call each and kept, so that the places that
 * must answer at once (Slack's key picker within 3 s, the Home tab) never wait for QStash: they get the last
 * listing and a refresh starts in the background when it is stale. Reads of one environment share a call in
 * flight. What a person sees is filtered by the access policy (`list` on each key), never the whole list.
 */
export class KeyCatalog {
  private readonly listings = new Map<string, EnvironmentListing>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<Listener>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: KeySource,
    private readonly policy: AccessPolicy,
    options: KeyCatalogOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Called after the catalog's content changed (a refresh brought something new, or a change was recorded). */
  onUpdate(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every environment's listing as it is now (no QStash call). */
  snapshot(): EnvironmentListing[] {
    return this.source.names.map(
      (environment) =>
        this.listings.get(environment) ?? {
          environment,
          keys: undefined,
          fetchedAt: undefined,
          error: undefined,
        },
    );
  }

  /** True once every environment has been read at least once (successfully or not). */
  get loaded(): boolean {
    return this.source.names.every((name) => this.listings.has(name));
  }

  /** Starts a background read of every environment whose listing is missing or older than `maxAgeMs`. */
  freshen(): void {
    for (const name of this.source.names) {
      const listing = this.listings.get(name);
      const age =
        listing?.fetchedAt === undefined ? Number.POSITIVE_INFINITY : this.now() - listing.fetchedAt;
      if (age >= this.maxAgeMs) void this.refreshEnvironment(name);
    }
  }

  /** Reads every environment now (sharing reads already in flight); never throws. */
  async refresh(): Promise<void> {
    await Promise.all(this.source.names.map((name) => this.refreshEnvironment(name)));
  }

  /**
   * Waits at most `waitMs` for environments never read yet (the first use after a start), starting their
   * reads if needed. Returns early once they are read; stale listings are not waited for.
   */
  async warm(waitMs: number): Promise<void> {
    const cold = this.source.names.filter((name) => !this.listings.has(name));
    if (cold.length === 0 || waitMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([Promise.all(cold.map((name) => this.refreshEnvironment(name))), timeout]);
    clearTimeout(timer);
  }

  /** Takes a key's state as a change left it, so pickers and the Home tab show it before the next read. */
  record(target: KeyRef, state: FlowKeyState): void {
    const listing = this.listings.get(target.environment);
    if (!listing?.keys) return;
    const keys = listing.keys.filter((key) => key.key !== target.key);
    keys.push(state);
    this.listings.set(target.environment, { ...listing, keys });
    this.emit();
  }

  /**
   * The keys this person may see (`list` on the key in its environment), from the current listings. Group
   * lookups go through the policy's directory (cached); no QStash call.
   */
  async visibleTo(actor: Actor, channelId: string | undefined): Promise<CatalogKey[]> {
    const visible: CatalogKey[] = [];
    for (const listing of this.snapshot()) {
      if (!listing.keys || !(await this.mayList(actor, listing.environment, undefined, channelId))) continue;
      for (const state of listing.keys) {
        if (await this.mayList(actor, listing.environment, state.key, channelId))
          visible.push({ ref: { environment: listing.environment, key: state.key }, state });
      }
    }
    return visible;
  }

  /**
   * Keys matching what the person typed, at most `limit`, best first: exact, then starting with it, then
   * containing it (case-insensitive, against `env:key` when there are several environments); paused keys and
   * longer waitlists first within each. Only keys the person may see. A well-formed key they typed is offered
   * too, first, when the list can't tell (not read yet, failing) or shows nothing like it, so a lagging or
   * failing list never blocks them.
   */
  async suggest(
    actor: Actor,
    channelId: string | undefined,
    typed: string,
    limit: number,
  ): Promise<Suggestion[]> {
    const query = typed.trim();
    const needle = query.toLowerCase();
    const count = this.source.names.length;
    const ranked: { ref: KeyRef; state: FlowKeyState; rank: number; name: string }[] = [];
    const allowedEnvironments = new Set<string>();
    for (const listing of this.snapshot()) {
      if (!(await this.mayList(actor, listing.environment, undefined, channelId))) continue;
      allowedEnvironments.add(listing.environment);
      for (const state of listing.keys ?? []) {
        const ref = { environment: listing.environment, key: state.key };
        const name = formatKeyRef(ref, count);
        const lower = name.toLowerCase();
        const rank =
          needle === ''
            ? 2
            : lower === needle || state.key.toLowerCase() === needle
              ? 0
              : lower.startsWith(needle) || state.key.toLowerCase().startsWith(needle)
                ? 1
                : lower.includes(needle)
                  ? 2
                  : -1;
        if (rank >= 0) ranked.push({ ref, state, rank, name });
      }
    }
    ranked.sort(
      (a, b) =>
        a.rank - b.rank ||
        Number(b.state.paused) - Number(a.state.paused) ||
        b.state.waitlistSize - a.state.waitlistSize ||
        a.name.localeCompare(b.name),
    );
    const suggestions: Suggestion[] = [];
    // What they typed is offered as a key of its own when the list can't know it: their environment's list is
    // missing or failing, or nothing listed matches at all (a key QStash's list doesn't show yet).
    const typedRef =
      query === '' ? undefined : parseKeyRef(query, this.source.names, this.source.defaultName);
    if (typedRef?.kind === 'ok' && allowedEnvironments.has(typedRef.ref.environment) && limit > 0) {
      const { ref } = typedRef;
      const listing = this.listings.get(ref.environment);
      const unknowable = !listing?.keys || listing.error !== undefined;
      const listed = ranked.some(
        (entry) => entry.ref.environment === ref.environment && entry.ref.key === ref.key,
      );
      if (
        !listed &&
        (unknowable || ranked.length === 0) &&
        (await this.mayList(actor, ref.environment, ref.key, channelId))
      )
        suggestions.push({ ref, state: undefined });
    }
    for (const entry of ranked) {
      if (suggestions.length >= limit) break;
      if (await this.mayList(actor, entry.ref.environment, entry.ref.key, channelId))
        suggestions.push({ ref: entry.ref, state: entry.state });
    }
    return suggestions;
  }

  /** A listed key by its reference, if the listing has it. */
  find(target: KeyRef): FlowKeyState | undefined {
    return this.listings.get(target.environment)?.keys?.find((key) => key.key === target.key);
  }

  /** Every listed key, for lookups that must not depend on a person (resolving a picker's long-key handle). */
  all(): CatalogKey[] {
    return this.snapshot().flatMap((listing) =>
      (listing.keys ?? []).map((state) => ({
        ref: { environment: listing.environment, key: state.key },
        state,
      })),
    );
  }

  private async mayList(
    actor: Actor,
    environment: string,
    key: string | undefined,
    channelId: string | undefined,
  ): Promise<boolean> {
    const decision = await this.policy.authorize({
      actor,
      action: 'list',
      environment,
      key,
      channelId,
    });
    return decision.kind === 'allowed';
  }

  private refreshEnvironment(name: string): Promise<void> {
    const running = this.inFlight.get(name);
    if (running) return running;
    const read = this.read(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, read);
    return read;
  }

  private async read(name: string): Promise<void> {
    const previous = this.listings.get(name);
    try {
      const keys = await this.source.client(name).list();
      this.listings.set(name, { environment: name, keys, fetchedAt: this.now(), error: undefined });
      if (!sameKeys(previous?.keys, keys) || previous?.error) this.emit();
    } catch (error) {
      const failure =
        error instanceof QStashError ? error : new QStashError({ kind: 'unavailable', attempts: 1 });
      this.listings.set(name, {
        environment: name,
        keys: previous?.keys,
        // A failed read counts as a try: the next one waits like after a success instead of hammering QStash.
        fetchedAt: this.now(),
        error: failure,
      });
      if (!previous?.error) this.emit();
    }
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not stop a refresh or a change from being recorded.
      }
    }
  }
}

function sameKeys(before: readonly FlowKeyState[] | undefined, after: readonly FlowKeyState[]): boolean {
  if (!before || before.length !== after.length) return false;
  return JSON.stringify(before) === JSON.stringify(after);
}
