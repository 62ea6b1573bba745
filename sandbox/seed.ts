import type { FlowControlKeyInit, QStashEmulator } from '../stand-ins/qstash-emulator.js';

/** New messages per delivery period, as a range: what keeps a busy key busy. */
interface Traffic {
  readonly min: number;
  readonly max: number;
}

interface SeedKey {
  readonly init: Omit<FlowControlKeyInit, 'ratePeriodStart'>;
  readonly traffic?: Traffic;
}

/**
 * A project in the middle of an incident: orders-eu paused with a large backlog, payments-us at its limits,
 * a pinned key, an idle one, six tenants' webhook keys paused by one outage (for a bulk resume), and `$`
 * (messages published without a key). The paused key gets no new
 * messages, so the numbers people read in the docs are the ones they see.
 */
const KEYS: readonly SeedKey[] = [
  {
    init: {
      flowControlKey: 'orders-eu',
      isPaused: true,
      waitListSize: 12_340,
      parallelismMax: 10,
      rateMax: 250,
      ratePeriod: 1,
    },
  },
  {
    init: {
      flowControlKey: 'payments-us',
      waitListSize: 1_850,
      parallelismMax: 20,
      parallelismCount: 20,
      rateMax: 50,
      rateCount: 50,
      ratePeriod: 1,
    },
    traffic: { min: 40, max: 60 },
  },
  {
    init: {
      flowControlKey: 'emails-transactional',
      waitListSize: 42,
      parallelismMax: 5,
      parallelismCount: 3,
      rateMax: 100,
      rateCount: 61,
      ratePeriod: 60,
      isPinnedParallelism: true,
      isPinnedRate: true,
    },
    traffic: { min: 0, max: 4 },
  },
  {
    init: { flowControlKey: 'orders-us', waitListSize: 120, parallelismMax: 10, parallelismCount: 4 },
    traffic: { min: 2, max: 9 },
  },
  { init: { flowControlKey: 'reports-nightly', parallelismMax: 2 } },
  // A downstream outage paused the webhook keys of several tenants at once: `/flow resume webhooks-*`
  // shows a bulk resume (preview, Confirm, one summary).
  ...['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'].map(
    (tenant, index): SeedKey => ({
      init: {
        flowControlKey: `webhooks-${tenant}`,
        isPaused: true,
        waitListSize: 150 * (index + 1),
        parallelismMax: 5,
      },
    }),
  ),
  { init: { flowControlKey: '$', waitListSize: 7, parallelismCount: 3 }, traffic: { min: 0, max: 2 } },
];

export const SEEDED_GLOBAL_PARALLELISM = 200;

export function seedKeys(emulator: QStashEmulator, now: number = Date.now()): void {
  const start = Math.floor(now / 1000) - 20;
  for (const key of KEYS) emulator.setKey({ ...key.init, ratePeriodStart: start });
  emulator.setGlobal({ parallelismMax: SEEDED_GLOBAL_PARALLELISM, parallelismCount: inFlight(emulator) });
}

function inFlight(emulator: QStashEmulator): number {
  return emulator.keys().reduce((sum, key) => sum + key.parallelismCount, 0);
}

/**
 * Lets the emulator deliver one period's worth per tick, then brings in new messages and moves the counters
 * the way a working key's would, so the side panel and `/flow status` show a live system.
 */
export function startTraffic(
  emulator: QStashEmulator,
  tickMs: number,
  random: () => number = Math.random,
): () => void {
  emulator.startTicking(tickMs);
  const timer = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    for (const key of emulator.keys()) {
      if (key.isPaused) {
        if (key.parallelismCount > 0 || key.rateCount > 0)
          emulator.setKey({ flowControlKey: key.flowControlKey, parallelismCount: 0, rateCount: 0 });
        continue;
      }
      const traffic = KEYS.find((seed) => seed.init.flowControlKey === key.flowControlKey)?.traffic;
      const arrivals = traffic ? traffic.min + Math.floor(random() * (traffic.max - traffic.min + 1)) : 0;
      const waiting = key.waitListSize + arrivals;
      const busy = waiting > 0;
      const parallelismCount = busy
        ? Math.min(key.parallelismMax || 10, Math.max(1, Math.ceil(waiting / 4)))
        : 0;
      const periodOver = key.ratePeriod > 0 && now - key.ratePeriodStart >= key.ratePeriod;
      const rateCount =
        key.rateMax > 0 && busy ? Math.min(key.rateMax, Math.max(1, Math.ceil(waiting / 2))) : 0;
      emulator.setKey({
        flowControlKey: key.flowControlKey,
        waitListSize: waiting,
        parallelismCount,
        rateCount,
        ...(periodOver ? { ratePeriodStart: now } : {}),
      });
    }
    emulator.setGlobal({ parallelismCount: inFlight(emulator) });
  }, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    emulator.stopTicking();
  };
}
