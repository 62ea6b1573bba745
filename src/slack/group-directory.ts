import type { WebClient } from '@slack/web-api';
import { DirectoryUnavailable, type GroupDirectory } from '../core/access/types.js';
import { slackErrorCodeOf } from './slack-errors.js';

interface CachedGroup {
  readonly members: ReadonlySet<string>;
  readonly expires: number;
}

/**
 * User-group members from `usergroups.users.list` (rate limit tier 2, ~20 calls a minute): cached for a TTL,
 * and concurrent lookups of one group share one call. A failed lookup is not cached.
 */
export class SlackGroupDirectory implements GroupDirectory {
  private readonly cache = new Map<string, CachedGroup>();
  private readonly pending = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly client: WebClient,
    private readonly ttlMs: number,
    private readonly timeoutMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async members(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(groupId);
    if (cached && cached.expires > this.now()) return cached.members;
    const inFlight = this.pending.get(groupId);
    if (inFlight) return inFlight;
    const lookup = this.lookup(groupId).finally(() => this.pending.delete(groupId));
    this.pending.set(groupId, lookup);
    return lookup;
  }

  private async lookup(groupId: string): Promise<ReadonlySet<string>> {
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
      this.cache.set(groupId, { members, expires: this.now() + this.ttlMs });
      return members;
    } catch (error) {
      if (error instanceof DirectoryUnavailable) throw error;
      throw new DirectoryUnavailable(groupId, slackErrorCodeOf(error));
    } finally {
      clearTimeout(timer);
    }
  }
}
