import { vi } from 'vitest';
import type { Harness } from './flowbot-harness.js';

/**
 * A series' value as Flowbot's `/metrics` shows it now; `series` is the name with its labels, exactly as
 * printed (`flowbot_overload_refusals_total{environment="",reason="in_flight"}`). Absent: 0 (a counter
 * nothing has counted yet).
 */
export async function metric(h: Harness, series: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Waits until `check` holds for the series' value: a signal, with a generous upper bound (60 s). */
export async function untilMetric(
  h: Harness,
  series: string,
  check: (value: number) => boolean,
): Promise<void> {
  await vi.waitFor(
    async () => {
      const seen = await metric(h, series);
      if (!check(seen)) throw new Error(`${series} is ${seen}`);
    },
    { timeout: 60_000, interval: 20 },
  );
}

/** A gate: work waiting on `until` goes on when `release` is called. */
export function held(): { until: Promise<void>; release: () => void } {
  let release = () => {};
  const until = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { until, release };
}
