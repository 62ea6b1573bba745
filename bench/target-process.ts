import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A server under test, in its own process so its CPU and memory are its own and can be measured. */
export interface TargetProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Spawn to first `/healthz` 200. */
  readonly readyMs: number;
  /** Highest VmRSS seen by the 100 ms sampler. */
  peakSampledRssMb(): number;
  /** Highest VmRSS sampled since the last call (per-phase peaks). */
  takeWindowPeakRssMb(): number;
  /** The kernel's high-water mark (VmHWM): catches peaks between samples. */
  highWaterRssMb(): number | undefined;
  /** User plus system CPU time used so far, in seconds. */
  cpuSeconds(): number | undefined;
  /** Everything the process wrote to stderr (and stdout), for diagnosing a crash. */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export interface SpawnTargetOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly port: number;
  readonly readyTimeoutMs?: number;
  /**
   * Started in a process group of its own, which stop() signals as a whole: for a command that runs Flowbot
   * in a child of its own (`npm start`), so that nothing outlives the measurement.
   */
  readonly group?: boolean;
}

/** A port nobody listens on right now; the child binds it moments later, so a clash is possible but unlikely. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Linux reports utime and stime in clock ticks, which are 1/100 s on every common kernel configuration. */
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields are counted after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function spawnTarget(options: SpawnTargetOptions): Promise<TargetProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = performance.now();
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not spawn ${options.command}`);
  let output = '';
  const keep = (chunk: Buffer) => {
    // Bounded: a chatty child must not grow the benchmark's own memory.
    if (output.length < 64_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  /** The process, or with `group` its whole group (a negative PID). */
  const signal = (name: NodeJS.Signals) => {
    try {
      if (options.group) process.kill(-pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  let exited = false;
  let exitedHow = '';
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitedHow = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
  });

  let peakRss = 0;
  let windowPeakRss = 0;
  const sample = () => {
    const rss = statusField(pid, 'VmRSS');
    if (rss === undefined) return;
    peakRss = Math.max(peakRss, rss);
    windowPeakRss = Math.max(windowPeakRss, rss);
  };
  const sampler = setInterval(sample, 100);
  sampler.unref();

  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  let readyMs: number | undefined;
  const maxTries = Math.ceil(readyTimeoutMs / 10);
  for (let attempt = 0; attempt < maxTries && !exited; attempt++) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > readyTimeoutMs) break;
    await sleep(10);
  }
  if (readyMs === undefined) {
    clearInterval(sampler);
    signal('SIGKILL');
    await Promise.race([exit, sleep(2_000)]);
    throw new Error(
      `${options.name} did not become ready within ${readyTimeoutMs} ms${exited ? ` (it exited: ${exitedHow})` : ''}:\n${output}`,
    );
  }

  return {
    name: options.name,
    pid,
    url,
    readyMs,
    peakSampledRssMb: () => {
      sample();
      return peakRss;
    },
    takeWindowPeakRssMb: () => {
      sample();
      const peak = windowPeakRss;
      windowPeakRss = 0;
      return peak;
    },
    highWaterRssMb: () => statusField(pid, 'VmHWM'),
    cpuSeconds: () => cpuSeconds(pid),
    output: () => output,
    exited: () => exited,
    async stop() {
      clearInterval(sampler);
      if (exited) return;
      signal('SIGTERM');
      await Promise.race([exit, sleep(5_000)]);
      if (!exited) {
        signal('SIGKILL');
        await Promise.race([exit, sleep(2_000)]);
      }
      // What npm started may still be finishing after npm itself has gone.
      if (options.group) signal('SIGKILL');
    },
  };
}
