import type { WebClient } from '@slack/web-api';
import {
  DirectoryUnavailable,
  type GroupDirectory,
  type MissingGroupReason,
  UserGroupNotFound,
} from '../core/access/types.js';
import { classifySlackError, slackErrorCodeOf } from './slack-errors.js';

/** A group's members, or Slack's word that it doesn't exist (kept as long: it is an answer, not a failure). */
interface CachedGroup {
  readonly members: ReadonlySet<string>;
  readonly missing?: MissingGroupReason;
  readonly expires: number;
}

/**
 * `usergroups.users.list` errors that are Slack's answer about the group, not a failure to give one
 * (https://api.slack.com/methods/usergroups.users.list): `no_such_subteam`, "no usergroup found with the given
 * ID", which is also the answer for a disabled group unless `include_disabled` is set (Flowbot doesn't: a
 * disabled group names nobody); `subteam_not_found`, the same from other user-group methods; and
 * `plan_upgrade_required`, a workspace whose plan has no user groups at all.
 */
const MISSING: ReadonlyMap<string, MissingGroupReason> = new Map([
  ['no_such_subteam', 'not_found'],
  ['subteam_not_found', 'not_found'],
  ['plan_upgrade_required', 'no_user_groups'],
]);

/** What the directory tells whoever runs Flowbot: the log, where nobody else would see these. */
export interface GroupDirectoryEvents {
  /** Slack said this group doesn't exist (first seen, or again after it had existed). */
  notFound?(groupId: string, reason: MissingGroupReason): void;
  /** Slack could not be asked (network, 5xx, rate limit beyond retries, timeout). */
  unavailable?(groupId: string, detail: string): void;
}

/**
 * User-group members from `usergroups.users.list` (rate limit tier 2, ~20 calls a minute): cached for a TTL,
 * and concurrent lookups of one group share one call. A group Slack says doesn't exist throws
 * UserGroupNotFound (cached like members); any other failure throws DirectoryUnavailable and is not cached.
 */
export class SlackGroupDirectory implements GroupDirectory {
  private readonly cache = new Map<string, CachedGroup>();
  private readonly pending = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly client: WebClient,
    private readonly ttlMs: number,
    private readonly timeoutMs = 5_000,
    private readonly now: () => number = Date.now,
    private readonly events: GroupDirectoryEvents = {},
  ) {}

  async members(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(groupId);
    if (cached && cached.expires > this.now()) {
      if (cached.missing !== undefined) throw new UserGroupNotFound(groupId, cached.missing);
      return cached.members;
    }
    const inFlight = this.pending.get(groupId);
    if (inFlight) return inFlight;
    const lookup = this.lookup(groupId).finally(() => this.pending.delete(groupId));
    this.pending.set(groupId, lookup);
    return lookup;
  }

  /**
   * Asks Slack afresh whether the group exists, neither reading nor filling the cache (the startup and reload
   * check of the groups a policy names: membership answers stay the requests' own). Throws as members does.
   */
  async check(groupId: string): Promise<void> {
    await this.lookup(groupId, false);
  }

  private async lookup(groupId: string, cache = true): Promise<ReadonlySet<string>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DirectoryUnavailable(groupId, 'Slack did not answer in time')),
        this.timeoutMs,
      );
    });
    try {
      const result = await Promise.race([this.client.usergroups.users.list({ usergroup: groupId }), timeout]);
      const members = new Set(result.users ?? []);
      if (cache) this.cache.set(groupId, { members, expires: this.now() + this.ttlMs });
      return members;
    } catch (error) {
      const failure = classifySlackError(error);
      const missing = failure.kind === 'platform' ? MISSING.get(failure.error) : undefined;
      if (missing !== undefined) {
        if (cache) {
          const known = this.cache.get(groupId)?.missing !== undefined;
          this.cache.set(groupId, { members: new Set(), missing, expires: this.now() + this.ttlMs });
          if (!known) this.events.notFound?.(groupId, missing);
        }
        throw new UserGroupNotFound(groupId, missing);
      }
      const unavailable =
        error instanceof DirectoryUnavailable
          ? error
          : new DirectoryUnavailable(groupId, slackErrorCodeOf(error));
      this.events.unavailable?.(groupId, unavailable.detail);
      throw unavailable;
    } finally {
      clearTimeout(timer);
    }
  }
}
