import type { QStashEmulator } from '../stand-ins/qstash-emulator.js';
import type { PanelKey, PanelState } from './web/protocol.js';

export interface KeySource {
  /** How often the panel is worth refreshing: the emulator is free to ask, a real project is not. */
  readonly intervalMs: number;
  read(): Promise<PanelState>;
}

function byName(a: PanelKey, b: PanelKey): number {
  if (a.paused !== b.paused) return a.paused ? -1 : 1;
  return a.key.localeCompare(b.key);
}

export function emulatorKeys(emulator: QStashEmulator): KeySource {
  return {
    intervalMs: 1_000,
    async read() {
      const global = emulator.getGlobal();
      return {
        keys: emulator
          .keys()
          .map((key) => ({
            key: key.flowControlKey,
            paused: key.isPaused,
            waiting: key.waitListSize,
            parallelismCount: key.parallelismCount,
            parallelismMax: key.parallelismMax,
            rateCount: key.rateCount,
            rateMax: key.rateMax,
            ratePeriod: key.ratePeriod,
            pinnedParallelism: key.isPinnedParallelism,
            pinnedRate: key.isPinnedRate,
          }))
          .sort(byName),
        global: { count: global.parallelismCount, max: global.parallelismMax },
        checkedAt: Date.now(),
      };
    },
  };
}

const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** A real QStash project's keys, read with its token; only ever read, never changed, from here. */
export function qstashKeys(url: string, token: string): KeySource {
  const base = url.endsWith('/') ? url : `${url}/`;
  return {
    intervalMs: 5_000,
    async read() {
      try {
        const response = await fetch(new URL('v2/flowControl', base), {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(4_000),
        });
        if (!response.ok)
          return { keys: [], problem: `QStash answered HTTP ${response.status}`, checkedAt: Date.now() };
        const body: unknown = await response.json();
        const list = Array.isArray(body)
          ? body
          : body &&
              typeof body === 'object' &&
              Array.isArray((body as { flowControls?: unknown }).flowControls)
            ? (body as { flowControls: unknown[] }).flowControls
            : [];
        const keys = list
          .filter((item): item is Record<string, unknown> => !!item && typeof item === 'object')
          .map((item) => ({
            key: String(item.flowControlKey ?? ''),
            paused: item.isPaused === true,
            waiting: number(item.waitListSize ?? item.waitlistSize),
            parallelismCount: number(item.parallelismCount),
            parallelismMax: number(item.parallelismMax),
            rateCount: number(item.rateCount),
            rateMax: number(item.rateMax),
            ratePeriod: number(item.ratePeriod),
            pinnedParallelism: item.isPinnedParallelism === true,
            pinnedRate: item.isPinnedRate === true,
          }))
          .sort(byName);
        return { keys, checkedAt: Date.now() };
      } catch (error) {
        return {
          keys: [],
          problem: `QStash could not be read (${error instanceof Error ? error.message : String(error)})`,
          checkedAt: Date.now(),
        };
      }
    },
  };
}
