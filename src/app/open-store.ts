import type { Config } from '../config/config.js';
import type { StateStore } from '../core/store/state-store.js';

export class StartupProblems extends Error {
  override readonly name = 'StartupProblems';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface OpenedStore {
  readonly store: StateStore;
  readonly kind: 'redis' | 'embedded';
  /** 'ok' or what is wrong, for /readyz. */
  health(): string;
  /** The embedded store's periodic write-ahead-log checkpoint (nothing to do for Redis). */
  checkpoint?(): void;
}

/**
 * Redis when REDIS_URL is set (several replicas share it), else the embedded SQLite store in FLOW_DATA_DIR.
 * Only the driver in use is loaded: each costs memory for as long as the process runs.
 */
export async function openStore(config: Config): Promise<OpenedStore> {
  if (config.redisUrl) {
    const { RedisStateStore } = await import('../core/store/redis-store.js');
    try {
      const store = await RedisStateStore.connect(config.redisUrl);
      return { store, kind: 'redis', health: () => (store.healthy ? 'ok' : 'redis unreachable') };
    } catch (error) {
      throw new StartupProblems([(error as Error).message]);
    }
  }
  const { SqliteStateStore } = await import('../core/store/sqlite-store.js');
  try {
    const store = SqliteStateStore.open(config.dataDir);
    return { store, kind: 'embedded', health: () => 'ok', checkpoint: () => store.checkpoint() };
  } catch (error) {
    throw new StartupProblems([(error as Error).message]);
  }
}
