import type { Timer } from '../../src/core/scheduler/timers.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';

/**
 * Makes every planned timer in a bot's data directory due now, in the store the bot uses, as the clock would
 * once their time came: a test plans them far enough ahead not to end while it looks, then ends them when it
 * is ready, instead of racing a timer of a second or two.
 */
export async function timersDueNow(dataDir: string): Promise<number> {
  const store = SqliteStateStore.open(dataDir);
  try {
    const entries = await store.list<Timer>('timer');
    for (const entry of entries) await store.set('timer', entry.id, { ...entry.value, dueAt: Date.now() });
    return entries.length;
  } finally {
    await store.close();
  }
}
