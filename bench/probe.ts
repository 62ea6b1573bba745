import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/**
 * Preloaded into a target with `--import` when BENCH_PROBE=1: twice a second it appends the process's memory
 * split and event-loop delay to BENCH_PROBE_FILE, which tells a blocked loop from a busy one and heap from
 * sockets and buffers, without touching the code under test.
 */

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Collector pauses in the same window, so a stall can be told from a long collection.
  let gcCount = 0;
  let gcTotalMs = 0;
  let gcMaxMs = 0;
  const gcKinds: Record<string, number> = {};
  // Heap in use right after a full collection: close to what is really alive, unlike heapUsed at any moment.
  let liveAfterMajorMb: number | undefined;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount += 1;
      gcTotalMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
      const kind = String((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? '?');
      gcKinds[kind] = Math.max(gcKinds[kind] ?? 0, Math.round(entry.duration));
      if (kind === '4') liveAfterMajorMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
    const line = {
      t: Date.now(),
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      heapTotalMb: mb(memory.heapTotal),
      externalMb: mb(memory.external),
      arrayBuffersMb: mb(memory.arrayBuffers),
      loopDelayP50Ms: delay.percentile(50) / 1e6,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      loopDelayMaxMs: delay.max / 1e6,
      resources: process.getActiveResourcesInfo().length,
      gcCount,
      gcTotalMs: Math.round(gcTotalMs),
      gcMaxMs: Math.round(gcMaxMs),
      gcMaxMsByKind: { ...gcKinds },
      liveAfterMajorMb,
    };
    delay.reset();
    gcCount = 0;
    gcTotalMs = 0;
    gcMaxMs = 0;
    for (const kind of Object.keys(gcKinds)) delete gcKinds[kind];
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      clearInterval(timer);
    }
  }, 500);
  timer.unref();
}

/**
 * BENCH_ALLOC_FILE: samples every allocation, including what the collector has already freed, and writes the
 * profile (Chrome DevTools' .heapprofile) when the process exits: which code makes the garbage.
 */
const allocFile = process.env.BENCH_ALLOC_FILE;
if (allocFile) {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 32_768,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(allocFile, JSON.stringify(result.profile));
    });
  });
}
