import type { Config } from '../config/config.js';
import { RedisStateStore } from '../core/store/redis-store.js';
import { SqliteStateStore } from '../core/store/sqlite-store.js';
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
}

/** Redis when REDIS_URL is set (several replicas share it), else the embedded SQLite store in FLOW_DATA_DIR. */
export async function openStore(config: Config): Promise<OpenedStore> {
  if (config.redisUrl) {
    try {
      const store = await RedisStateStore.connect(config.redisUrl);
      return { store, kind: 'redis', health: () => (store.healthy ? 'ok' : 'redis unreachable') };
    } catch (error) {
      throw new StartupProblems([(error as Error).message]);
    }
  }
  try {
    const store = SqliteStateStore.open(config.dataDir);
    return { store, kind: 'embedded', health: () => 'ok' };
  } catch (error) {
    throw new StartupProblems([(error as Error).message]);
  }
}
