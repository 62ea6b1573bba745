import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LatencyStats, type LoadPlan, type LoadResult, percentiles, runLoad } from './load.js';
import { formatReport, type PhaseReport, type Report, type TargetCheck } from './report.js';
import { type StandIns, startStandIns } from './stand-ins-client.js';
import { freePort, spawnTarget, type TargetProcess } from './target-process.js';

/**
 * `npm run bench`: Flowbot and a bare Bolt app, each in its own process, under the same signed slash
 * commands and button clicks at fixed offered rates, against a slow QStash emulator and a fake Slack.
 *
 * Settings (environment):
 *   BENCH_SCENARIO=ack            `ack` (this), `bulk`: a bulk resume under QStash's burst limit (bench/bulk.ts),
 *                                 or `storm`: an alert storm under Slack's rate limits (bench/storm.ts)
 *   BENCH_RATES=50,200,500        offered requests per second, one phase per rate and target
 *   BENCH_DURATION_S=20           length of each phase (a p99 needs enough samples at the lowest rate)
 *   BENCH_QSTASH_LATENCY_MS=2000  added by the QStash emulator to every answer
 *   BENCH_WARMUP_S=2              unmeasured warm-up of both targets at the lowest rate
 *   BENCH_DRAIN_TIMEOUT_S=90      how long to wait for Flowbot's replies after a phase
 *   BENCH_READY_TIMEOUT_S=20      how long each target may take to start (longer on a loaded machine)
 *   BENCH_STARTUPS=3              cold starts of Flowbot timed (median reported)
 *   BENCH_LOG_LEVEL=warn          Flowbot's LOG_LEVEL (info adds an audit line per request)
 *   BENCH_DATA_PARENT=/tmp        where the data directory goes (/dev/shm takes fsync out of the picture)
 *   BENCH_FLOWBOT_ENTRY=…         measure another build instead of this tree's dist/src/index.js
 *   BENCH_FLOWBOT_NODE_ARGS=…     node flags for Flowbot beyond those `npm start` gives it (heap limits, …)
 *   BENCH_PROFILE=1               CPU profiles of both targets into bench/results/profiles/
 *   BENCH_PROBE=1                 memory and event-loop delay twice a second into bench/results/probe-*.jsonl
 *   BENCH_ALLOC=1                 with BENCH_PROBE: every allocation sampled, into bench/results/alloc-*.heapprofile
 * Results: a table on stdout, bench/results/latest.json, and Flowbot's warnings in bench/results/flowbot.log.
 * Missed targets are reported, never turned into a failing exit status.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SIGNING_SECRET = 'bench0signing0secret0abcdef0123';
const GROUP = 'SONCALL01';
/**
 * Flowbot limits changes per person (FLOW_RATE_LIMIT, default 30 a minute), so the load comes from enough
 * people that nobody reaches it: the benchmark measures resumes, not refusals. Half are allowed by name,
 * half through a user group (which exercises the cached group lookup).
 */
const CHANGES_PER_PERSON = 15;
function benchUsers(totalRequests: number): { direct: string[]; members: string[] } {
  const count = Math.max(2, Math.ceil(totalRequests / CHANGES_PER_PERSON));
  const ids = Array.from({ length: count }, (_, i) => `UBENCH${String(i).padStart(5, '0')}`);
  return { direct: ids.filter((_, i) => i % 2 === 0), members: ids.filter((_, i) => i % 2 === 1) };
}
const CHANNEL = 'CBENCH001';
const KEYS = Array.from({ length: 16 }, (_, i) => `bench-key-${String(i).padStart(2, '0')}`);

const TARGETS = {
  ratio: 1.3,
  rssMb: 150,
  restOverBareMb: 30,
  peakOverBare: 2,
  readyMs: 1_500,
  /** `npm start` in an installed checkout, ready within 2 s (on a busy machine too). */
  npmStartReadyMs: 2_000,
} as const;

function numberSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

function settings() {
  const rates = (process.env.BENCH_RATES ?? '50,200,500')
    .split(',')
    .map((rate) => rate.trim())
    .filter((rate) => rate !== '')
    .map(Number);
  if (rates.length === 0 || rates.some((rate) => !Number.isInteger(rate) || rate < 1 || rate > 5_000)) {
    throw new Error('BENCH_RATES must list whole request rates from 1 to 5000, e.g. 50,200,500');
  }
  return {
    latencyMs: numberSetting('BENCH_QSTASH_LATENCY_MS', 2_000, 0, 30_000),
    rates,
    durationS: numberSetting('BENCH_DURATION_S', 20, 1, 300),
    warmupS: numberSetting('BENCH_WARMUP_S', 2, 0, 60),
    drainTimeoutS: numberSetting('BENCH_DRAIN_TIMEOUT_S', 90, 1, 600),
    /** How long a target may take to answer /healthz after it is started (a loaded machine starts slowly). */
    readyTimeoutS: numberSetting('BENCH_READY_TIMEOUT_S', 20, 1, 600),
    /** Startup is noisy on a shared machine: Flowbot is started this many times in all, median reported. */
    startups: numberSetting('BENCH_STARTUPS', 3, 1, 20),
    profile: process.env.BENCH_PROFILE === '1',
    probe: process.env.BENCH_PROBE === '1',
    /** warn keeps per-request audit lines out of the measurement; info is what production logs. */
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    /** Where Flowbot's temporary data directory goes: put it on tmpfs to see what fsync costs. */
    dataParent: process.env.BENCH_DATA_PARENT ?? tmpdir(),
    /** Extra node flags for the measured Flowbot, e.g. `--max-old-space-size=96` or `--heapsnapshot-signal=SIGUSR2`. */
    flowbotNodeArgs: (process.env.BENCH_FLOWBOT_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== ''),
  };
}

/** The node flags `npm start` gives Flowbot (between `node` and the entry), so the benchmark runs what ships. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node') return [];
  return words.slice(1).filter((word) => word.startsWith('--'));
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Measures what `npm start` runs; a build older than the sources would measure code nobody wrote yet. */
function ensureBuild(): string {
  // What `npm start` runs after its build check: package.json's `main`.
  const { main } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
  const entry = join(ROOT, main);
  // The same freshness check `npm start` makes: builds only when a source changed since the last build.
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 300_000,
  });
  if (!existsSync(entry)) throw new Error('the build failed and there is no earlier build to measure');
  // tsc still emits on type errors; a half-edited tree is measured as it stands rather than not at all.
  if (built.status !== 0)
    process.stdout.write('warning: the build reported errors; measuring its output anyway\n');
  return entry;
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  // Only what a node process needs: the driver's own FLOW_*/SLACK_* settings must not leak into a target.
  const env: Record<string, string> = { NODE_ENV: 'production' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

interface Running {
  readonly flowbot: TargetProcess;
  readonly bare: TargetProcess;
}

async function waitForReplies(
  standIns: StandIns,
  result: LoadResult,
  timeoutMs: number,
): Promise<{
  expected: number;
  delivered: number;
  endToEnd: LatencyStats;
  drainMs: number;
  missing: { command: number; click: number; withSomePost: number };
  resumed: number;
  otherOutcomes: Record<string, number>;
}> {
  const started = performance.now();
  // A request still in flight when autocannon stopped was never answered; its reply is not counted against us.
  const expectedIds = [...result.ackedIds];
  const deliveredNow = () =>
    expectedIds.filter(
      (id) => result.overloadedAcks.has(id) || standIns.replies.get(id)?.finalAt !== undefined,
    ).length;
  const maxPolls = Math.ceil(timeoutMs / 200);
  for (let poll = 0; poll < maxPolls && deliveredNow() < expectedIds.length; poll++) {
    if (performance.now() - started > timeoutMs) break;
    await sleep(200);
  }
  // The stand-ins flush every 100 ms: one more beat so the last batch is in.
  await sleep(250);
  const endToEnd: number[] = [];
  const missing = { command: 0, click: 0, withSomePost: 0 };
  let resumed = 0;
  const otherOutcomes: Record<string, number> = {};
  for (const id of expectedIds) {
    const seen = standIns.replies.get(id);
    const sent = result.sent.get(id);
    // Refused past FLOW_MAX_IN_FLIGHT: the acknowledgement was the reply (nothing follows on the response_url).
    const overloaded = result.overloadedAcks.get(id);
    if (overloaded !== undefined && sent !== undefined) {
      endToEnd.push(overloaded.at - sent.sentAt);
      otherOutcomes[overloaded.text] = (otherOutcomes[overloaded.text] ?? 0) + 1;
      continue;
    }
    if (seen?.finalAt !== undefined && sent !== undefined) {
      endToEnd.push(seen.finalAt - sent.sentAt);
      // A resume is announced in the channel; anything private is a refusal, a failure or a duplicate.
      // A request that shared another's QStash call is told privately; the channel heard of it once.
      if (seen.finalInChannel || / resumed together with /.test(seen.finalText)) resumed += 1;
      else otherOutcomes[seen.finalText] = (otherOutcomes[seen.finalText] ?? 0) + 1;
    } else {
      if (sent) missing[sent.kind] += 1;
      if (seen && seen.posts > 0) missing.withSomePost += 1;
    }
  }
  return {
    missing,
    resumed,
    otherOutcomes,
    expected: expectedIds.length,
    delivered: endToEnd.length,
    endToEnd: percentiles(endToEnd),
    drainMs: performance.now() - started,
  };
}

async function phase(
  target: TargetProcess,
  standIns: StandIns,
  plan: Omit<LoadPlan, 'url' | 'responseBase'>,
  drainTimeoutMs: number,
  expectReplies: boolean,
): Promise<PhaseReport> {
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 1) {
    process.stdout.write(
      `  note: 1-minute load average is ${loadBefore.toFixed(2)} before this phase; other work on the machine skews latencies\n`,
    );
  }
  target.takeWindowPeakRssMb();
  const cpuBefore = target.cpuSeconds() ?? 0;
  const standInsCpuBefore = standIns.cpuSeconds() ?? 0;
  const driverCpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const qstashBefore = expectReplies ? (await standIns.stats()).requests : 0;
  const sampler = expectReplies ? sampleWork(target.url) : undefined;
  const result = await runLoad({ ...plan, url: target.url, responseBase: standIns.ready.slackUrl });
  const cpuDuringLoad = (target.cpuSeconds() ?? 0) - cpuBefore;
  const standInsCpu = (standIns.cpuSeconds() ?? 0) - standInsCpuBefore;
  const driverCpu = process.cpuUsage(driverCpuBefore);
  const loadEndedAt = Date.now();
  const replies = expectReplies ? await waitForReplies(standIns, result, drainTimeoutMs) : undefined;
  const peakRssMb = target.takeWindowPeakRssMb();
  const sampled = await sampler?.stop();
  const qstashCalls = expectReplies ? (await standIns.stats()).requests - qstashBefore : 0;
  const work =
    sampled && replies
      ? {
          qstashCalls,
          qstashCallsPerS: qstashCalls / ((Date.now() - startedAt) / 1000),
          peakChangesInFlight: sampled.changes,
          peakQStashCallsInFlight: sampled.calls,
          overloadRefusals: Object.entries(replies.otherOutcomes)
            .filter(([text]) => text.includes('Flowbot is overloaded'))
            .reduce((sum, [, count]) => sum + count, 0),
        }
      : undefined;
  return {
    target: target.name,
    startedAt,
    loadEndedAt,
    rate: plan.rate,
    durationS: plan.durationS,
    sent: result.sent.size,
    responses: result.responses,
    status: result.status,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    throughput: result.throughput,
    ack: result.latency,
    ackByKind: result.latencyByKind,
    cpuPercentDuringLoad: (cpuDuringLoad / plan.durationS) * 100,
    standInsCpuPercent: (standInsCpu / plan.durationS) * 100,
    loadGeneratorCpuPercent: ((driverCpu.user + driverCpu.system) / 1e6 / plan.durationS) * 100,
    replies: replies && {
      expected: replies.expected,
      delivered: replies.delivered,
      endToEnd: replies.endToEnd,
      drainMs: replies.drainMs,
      missing: replies.missing,
      resumed: replies.resumed,
      otherOutcomes: replies.otherOutcomes,
    },
    exitedDuringPhase: target.exited(),
    peakRssMb,
    loadAverageBefore: loadBefore,
    ...(work ? { work } : {}),
  };
}

/**
 * Reads Flowbot's gauges of work in flight twice a second (from its own /metrics, one small request each) and
 * keeps the highest seen: changes waiting on QStash, and calls to QStash in flight.
 */
function sampleWork(url: string): { stop(): Promise<{ changes: number; calls: number }> } {
  const peak = { changes: 0, calls: 0 };
  let running = true;
  const gauge = (text: string, name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) || 0 : 0;
  };
  const loop = (async () => {
    while (running) {
      const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })
        .then((res) => res.text())
        .catch(() => '');
      peak.changes = Math.max(peak.changes, gauge(text, 'flowbot_changes_in_flight'));
      peak.calls = Math.max(peak.calls, gauge(text, 'flowbot_qstash_calls_in_flight'));
      await sleep(500);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function main(): Promise<void> {
  const config = settings();
  // Another build (say, of a clean checkout) can be measured instead of this tree's.
  const entry = process.env.BENCH_FLOWBOT_ENTRY ? resolve(process.env.BENCH_FLOWBOT_ENTRY) : ensureBuild();
  const tsxLoader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const profileDir = join(RESULTS_DIR, 'profiles');
  const profileArgs = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const probeArgs = config.probe
    ? ['--import', tsxLoader, '--import', pathToFileURL(join(ROOT, 'bench', 'probe.ts')).href]
    : [];
  const probeEnv = (name: string): Record<string, string> => {
    if (!config.probe) return {};
    const file = join(RESULTS_DIR, `probe-${name}.jsonl`);
    rmSync(file, { force: true });
    const alloc: Record<string, string> =
      process.env.BENCH_ALLOC === '1'
        ? { BENCH_ALLOC_FILE: join(RESULTS_DIR, `alloc-${name}.heapprofile`) }
        : {};
    return { BENCH_PROBE_FILE: file, ...alloc };
  };
  mkdirSync(RESULTS_DIR, { recursive: true });

  const lowest = Math.min(...config.rates);
  const users = benchUsers(
    Math.ceil(
      1.1 * (config.rates.reduce((sum, rate) => sum + rate * config.durationS, 0) + lowest * config.warmupS),
    ),
  );
  const standIns = await startStandIns(join(ROOT, 'bench', 'stand-ins.ts'), ['--import', tsxLoader], {
    latencyMs: config.latencyMs,
    keys: KEYS,
    groups: { [GROUP]: users.members },
  });
  const dataDir = mkdtempSync(join(config.dataParent, 'flowbot-bench-'));
  const common = {
    SLACK_BOT_TOKEN: standIns.ready.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIns.ready.slackApiUrl,
  };
  let running: Running | undefined;
  const nodeFlags = startFlags();
  const startFlowbotProcess = async (run: number, extraArgs: string[], extraEnv: Record<string, string>) => {
    const port = await freePort();
    return spawnTarget({
      name: 'flowbot',
      command: process.execPath,
      args: [...nodeFlags, ...extraArgs, entry],
      // A working directory without a .env, so dotenv adds nothing to what is set here.
      cwd: dataDir,
      env: childEnv({
        ...common,
        QSTASH_URL: standIns.ready.qstashUrl,
        QSTASH_TOKEN: standIns.ready.qstashToken,
        FLOW_ALLOWED_USERS: [...users.direct, GROUP].join(','),
        // A fresh data directory each time: every start is a first start.
        FLOW_DATA_DIR: join(dataDir, `data-${run}`),
        LOG_LEVEL: config.logLevel,
        PORT: String(port),
        ...extraEnv,
      }),
      port,
      readyTimeoutMs: config.readyTimeoutS * 1000,
    });
  };
  try {
    const readyTimes: number[] = [];
    const extraStarts = config.probe || config.profile ? config.startups : config.startups - 1;
    for (let run = 1; run <= extraStarts; run++) {
      const once = await startFlowbotProcess(run, [], {});
      readyTimes.push(once.readyMs);
      await once.stop();
    }
    // As a person starts it: `npm start` in the checkout (npm itself, the build check, then Flowbot).
    const npmStartTimes: number[] = [];
    if (!process.env.BENCH_FLOWBOT_ENTRY) {
      for (let run = 1; run <= config.startups; run++) {
        const port = await freePort();
        const once = await spawnTarget({
          name: 'flowbot (npm start)',
          command: 'npm',
          args: ['start', '--silent'],
          cwd: ROOT,
          env: childEnv({
            ...common,
            QSTASH_URL: standIns.ready.qstashUrl,
            QSTASH_TOKEN: standIns.ready.qstashToken,
            FLOW_ALLOWED_USERS: [...users.direct, GROUP].join(','),
            FLOW_DATA_DIR: join(dataDir, `data-npm-${run}`),
            LOG_LEVEL: config.logLevel,
            PORT: String(port),
            // The checkout's own .env (if any) is not this measurement's configuration.
            DOTENV_CONFIG_PATH: join(dataDir, 'no-such.env'),
          }),
          port,
          readyTimeoutMs: config.readyTimeoutS * 1000,
          group: true,
        });
        npmStartTimes.push(once.readyMs);
        await once.stop();
      }
    }
    const flowbot = await startFlowbotProcess(
      0,
      [...config.flowbotNodeArgs, ...profileArgs, ...probeArgs],
      probeEnv('flowbot'),
    );
    // A probed or profiled start loads extra code first; it would not be a fair startup time.
    if (!config.probe && !config.profile) readyTimes.push(flowbot.readyMs);
    const barePort = await freePort();
    const bare = await spawnTarget({
      name: 'bare-bolt',
      command: process.execPath,
      args: [
        ...profileArgs,
        ...(config.probe ? probeArgs : ['--import', tsxLoader]),
        join(ROOT, 'bench', 'bare-bolt.ts'),
      ],
      cwd: ROOT,
      env: childEnv({ ...common, PORT: String(barePort), ...probeEnv('bare-bolt') }),
      port: barePort,
      readyTimeoutMs: config.readyTimeoutS * 1000,
    });
    running = { flowbot, bare };
    // RSS at rest: both started and idle a moment, before any load.
    await sleep(1_000);
    const restRssMb = { flowbot: flowbot.takeWindowPeakRssMb(), bare: bare.takeWindowPeakRssMb() };

    const basePlan = {
      signingSecret: SIGNING_SECRET,
      keys: KEYS,
      users: [...users.direct, ...users.members],
      channel: CHANNEL,
    };
    const drainTimeoutMs = config.drainTimeoutS * 1000;
    if (config.warmupS > 0) {
      process.stdout.write(`warming up both targets (${config.warmupS} s at ${lowest}/s)…\n`);
      await phase(
        bare,
        standIns,
        { ...basePlan, rate: lowest, durationS: config.warmupS, label: 'warm-bare' },
        drainTimeoutMs,
        false,
      );
      await phase(
        flowbot,
        standIns,
        { ...basePlan, rate: lowest, durationS: config.warmupS, label: 'warm-flowbot' },
        drainTimeoutMs,
        true,
      );
    }

    const phases: PhaseReport[] = [];
    for (const rate of config.rates) {
      process.stdout.write(`rate ${rate}/s: bare Bolt…\n`);
      phases.push(
        await phase(
          bare,
          standIns,
          { ...basePlan, rate, durationS: config.durationS, label: `bare-${rate}` },
          drainTimeoutMs,
          false,
        ),
      );
      process.stdout.write(`rate ${rate}/s: Flowbot (then waiting for its replies)…\n`);
      phases.push(
        await phase(
          flowbot,
          standIns,
          { ...basePlan, rate, durationS: config.durationS, label: `flowbot-${rate}` },
          drainTimeoutMs,
          true,
        ),
      );
    }

    const stats = await standIns.stats();
    const healthy = await fetch(`${flowbot.url}/healthz`, { signal: AbortSignal.timeout(2_000) })
      .then((res) => res.status === 200)
      .catch(() => false);
    const memory = (target: TargetProcess) => ({
      peakSampledMb: target.peakSampledRssMb(),
      highWaterMb: target.highWaterRssMb(),
    });
    const report: Report = {
      when: new Date().toISOString(),
      flowbotEntry: entry,
      node: process.version,
      settings: config,
      startup: {
        flowbotReadyMs: percentiles(readyTimes).p50,
        flowbotReadyRunsMs: readyTimes,
        npmStartReadyMs: npmStartTimes.length > 0 ? percentiles(npmStartTimes).p50 : undefined,
        npmStartRunsMs: npmStartTimes,
        bareReadyMs: bare.readyMs,
      },
      memory: { flowbot: memory(flowbot), bare: memory(bare) },
      restRssMb,
      phases,
      qstash: stats,
      flowbotHealthyAtEnd: healthy,
      checks: [],
    };
    report.checks.push(...checks(report));
    process.stdout.write(`\n${formatReport(report)}\n`);
    // What Flowbot logged at warn and above: the first place to look when a reply went missing.
    writeFileSync(join(RESULTS_DIR, 'flowbot.log'), flowbot.output());
    const file = join(RESULTS_DIR, 'latest.json');
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nwritten to ${file}\n`);
  } finally {
    await running?.flowbot.stop();
    await running?.bare.stop();
    await standIns.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function checks(report: Report): TargetCheck[] {
  const flowbotPhases = report.phases.filter((p) => p.target === 'flowbot');
  const out: TargetCheck[] = [];
  for (const flowbot of flowbotPhases) {
    const bare = report.phases.find((p) => p.target === 'bare-bolt' && p.rate === flowbot.rate);
    const ratio = bare && bare.ack.p99 > 0 ? flowbot.ack.p99 / bare.ack.p99 : Number.POSITIVE_INFINITY;
    out.push({
      name: `ack p99 ratio at ${flowbot.rate}/s ≤ ${TARGETS.ratio}`,
      ok: ratio <= TARGETS.ratio,
      value: `${ratio.toFixed(2)} (${flowbot.ack.p99.toFixed(1)} ms vs ${bare?.ack.p99.toFixed(1) ?? '?'} ms)`,
    });
  }
  const bad = flowbotPhases.reduce((sum, p) => sum + p.non2xx + p.errors + p.timeouts, 0);
  const non200 = flowbotPhases.reduce(
    (sum, p) =>
      sum +
      Object.entries(p.status)
        .filter(([code]) => code !== '200')
        .reduce((n, [, count]) => n + count, 0),
    0,
  );
  out.push({
    name: 'zero non-200 acks (and no errors or timeouts)',
    ok: bad === 0 && non200 === 0,
    value: `${non200} non-200, ${flowbotPhases.reduce((s, p) => s + p.errors, 0)} errors, ${flowbotPhases.reduce((s, p) => s + p.timeouts, 0)} timeouts`,
  });
  const expected = flowbotPhases.reduce((sum, p) => sum + (p.replies?.expected ?? 0), 0);
  const delivered = flowbotPhases.reduce((sum, p) => sum + (p.replies?.delivered ?? 0), 0);
  const sent = flowbotPhases.reduce((sum, p) => sum + p.sent, 0);
  out.push({
    name: 'every reply delivered',
    ok: delivered === expected,
    value: `${delivered} of ${expected} acked requests (${sent} sent; the rest were in flight when the load stopped)`,
  });
  const resumed = flowbotPhases.reduce((sum, p) => sum + (p.replies?.resumed ?? 0), 0);
  const rest = report.restRssMb;
  out.push({
    name: `RSS at rest ≤ bare Bolt's + ${TARGETS.restOverBareMb} MB`,
    ok: rest.flowbot <= rest.bare + TARGETS.restOverBareMb,
    value: `${rest.flowbot.toFixed(0)} MB vs ${rest.bare.toFixed(0)} MB (+${(rest.flowbot - rest.bare).toFixed(0)} MB)`,
  });
  for (const flowbot of flowbotPhases) {
    const bare = report.phases.find((p) => p.target === 'bare-bolt' && p.rate === flowbot.rate);
    const ratio = bare && bare.peakRssMb > 0 ? flowbot.peakRssMb / bare.peakRssMb : Number.POSITIVE_INFINITY;
    out.push({
      name: `peak RSS at ${flowbot.rate}/s ≤ ${TARGETS.peakOverBare}× bare Bolt's`,
      ok: ratio <= TARGETS.peakOverBare,
      value: `${flowbot.peakRssMb.toFixed(0)} MB vs ${bare?.peakRssMb.toFixed(0) ?? '?'} MB (${ratio.toFixed(2)}×)`,
    });
  }
  const refusals = flowbotPhases.reduce((sum, p) => sum + (p.work?.overloadRefusals ?? 0), 0);
  out.push({
    name: 'every reply is a resume or an overload refusal (no other refusals, failures or duplicates)',
    ok: resumed + refusals === expected,
    value: `${resumed} resumed + ${refusals} overloaded of ${expected}`,
  });
  const rss = Math.max(report.memory.flowbot.peakSampledMb, report.memory.flowbot.highWaterMb ?? 0);
  out.push({ name: `RSS < ${TARGETS.rssMb} MB`, ok: rss < TARGETS.rssMb, value: `${rss.toFixed(1)} MB` });
  out.push({
    name: `ready < ${TARGETS.readyMs} ms`,
    ok: report.startup.flowbotReadyMs < TARGETS.readyMs,
    value: `median ${report.startup.flowbotReadyMs.toFixed(0)} ms, slowest ${Math.max(...report.startup.flowbotReadyRunsMs).toFixed(0)} ms`,
  });
  const npmStart = report.startup.npmStartReadyMs;
  if (npmStart !== undefined)
    out.push({
      name: `\`npm start\` ready < ${TARGETS.npmStartReadyMs} ms`,
      ok: npmStart < TARGETS.npmStartReadyMs,
      value: `median ${npmStart.toFixed(0)} ms, slowest ${Math.max(...report.startup.npmStartRunsMs).toFixed(0)} ms`,
    });
  out.push({
    name: 'QStash saw only flow-control routes',
    ok: report.qstash.unexpectedPaths.length === 0,
    value: report.qstash.unexpectedPaths.length === 0 ? 'yes' : report.qstash.unexpectedPaths.join(', '),
  });
  out.push({
    name: 'Flowbot healthy at the end',
    ok: report.flowbotHealthyAtEnd,
    value: String(report.flowbotHealthyAtEnd),
  });
  return out;
}

/** `BENCH_SCENARIO` picks the scenario: `ack` (the default, above), `bulk` (bench/bulk.ts) or `storm` (bench/storm.ts). */
async function scenario(): Promise<void> {
  const name = process.env.BENCH_SCENARIO ?? 'ack';
  if (name === 'bulk') {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const { runBulkBenchmark } = await import('./bulk.js');
    return runBulkBenchmark(RESULTS_DIR);
  }
  if (name === 'storm') {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const { runStormBenchmark } = await import('./storm.js');
    return runStormBenchmark(RESULTS_DIR);
  }
  if (name !== 'ack') throw new Error('BENCH_SCENARIO must be ack, bulk or storm');
  return main();
}

scenario().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
