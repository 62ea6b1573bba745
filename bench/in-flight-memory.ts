import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { postToSlackEndpoint, slashCommandBody } from '../stand-ins/slack-request.js';
import { startStandIns } from './stand-ins-client.js';
import { freePort, spawnTarget } from './target-process.js';

/**
 * `tsx bench/in-flight-memory.ts`: what one change waiting on QStash holds in Flowbot's heap. Flowbot (built,
 * `npm start`'s flags) gets N `/flow-resume` commands while QStash answers slowly, so they are all in flight
 * at once; heap snapshots (`--heapsnapshot-signal`, which collect garbage first) before and with them in
 * flight give the live heap per change, and its split by kind of object.
 *
 *   BENCH_INFLIGHT_N=1000          changes sent
 *   BENCH_INFLIGHT_KEYS=16         distinct keys they go to (16: most share a QStash call; N: none do)
 *   BENCH_QSTASH_LATENCY_MS=6000   QStash's answer time (below Flowbot's 8 s per attempt)
 *
 * The per-change figure includes code compiled meanwhile (`code:` rows), which is paid once, not per change.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench0signing0secret0abcdef0123';
const CHANNEL = 'CBENCH001';
const count = Number(process.env.BENCH_INFLIGHT_N ?? 1000);
const keyCount = Number(process.env.BENCH_INFLIGHT_KEYS ?? 16);
const latencyMs = Number(process.env.BENCH_QSTASH_LATENCY_MS ?? 6000);
const keys = Array.from({ length: keyCount }, (_, i) => `bench-key-${String(i).padStart(4, '0')}`);
const users = Array.from({ length: Math.ceil(count / 10) }, (_, i) => `UBENCH${String(i).padStart(5, '0')}`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Live bytes by kind of object (`type:name`, e.g. `object:Options`, `closure:…`), and the total. */
function summarize(path: string): { total: number; byKind: Map<string, { bytes: number; count: number }> } {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const at = {
    type: fields.indexOf('type'),
    name: fields.indexOf('name'),
    size: fields.indexOf('self_size'),
  };
  const byKind = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + at.type] ?? 0] ?? '?';
    const size = data.nodes[i + at.size] ?? 0;
    total += size;
    let name = data.strings[data.nodes[i + at.name] ?? 0] ?? '';
    // Strings and code are grouped by type alone: their names are their contents.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'code')
      name = '';
    const kind = `${type}:${name.slice(0, 60)}`;
    const entry = byKind.get(kind) ?? { bytes: 0, count: 0 };
    entry.bytes += size;
    entry.count += 1;
    byKind.set(kind, entry);
  }
  return { total, byKind };
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function snapshot(pid: number, dir: string, before: Set<string>): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  for (let tries = 0; tries < 600; tries++) {
    await sleep(200);
    const fresh = readdirSync(dir).filter((file) => file.endsWith('.heapsnapshot') && !before.has(file));
    // The file is complete once its JSON closes.
    for (const file of fresh) {
      const text = readFileSync(join(dir, file), 'utf8');
      if (text.trimEnd().endsWith('}')) {
        before.add(file);
        return join(dir, file);
      }
    }
  }
  throw new Error('no heap snapshot was written');
}

async function main(): Promise<void> {
  const entry = join(ROOT, 'dist', 'src', 'index.js');
  if (!existsSync(entry)) throw new Error('build first: npm run build');
  const tsxLoader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const standIns = await startStandIns(join(ROOT, 'bench', 'stand-ins.ts'), ['--import', tsxLoader], {
    latencyMs,
    keys,
    groups: {},
  });
  const dir = mkdtempSync(join(tmpdir(), 'flowbot-inflight-'));
  const port = await freePort();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const flags = pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
  const flowbot = await spawnTarget({
    name: 'flowbot',
    command: process.execPath,
    args: [...flags, '--heapsnapshot-signal=SIGUSR2', entry],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      SLACK_BOT_TOKEN: standIns.ready.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: standIns.ready.slackApiUrl,
      QSTASH_URL: standIns.ready.qstashUrl,
      QSTASH_TOKEN: standIns.ready.qstashToken,
      FLOW_ALLOWED_USERS: users.join(','),
      FLOW_DATA_DIR: join(dir, 'data'),
      FLOW_MAX_QUEUED: String(count * 4),
      // Every change its own call in flight when the keys are distinct (no queue in between).
      QSTASH_MAX_CONCURRENT: String(Math.max(100, keyCount)),
      LOG_LEVEL: 'warn',
      PORT: String(port),
    },
    port,
    readyTimeoutMs: 120_000,
  });
  const url = `http://127.0.0.1:${port}`;
  const seen = new Set<string>();
  try {
    // One command first, so that what every first request loads (Bolt's listeners, clients) is in both.
    await postToSlackEndpoint(
      url,
      SECRET,
      slashCommandBody({ command: '/flow', text: 'help', user_id: users[0], channel_id: CHANNEL }),
    );
    await sleep(1_000);
    const idle = summarize(await snapshot(flowbot.pid, dir, seen));
    let sent = 0;
    const sender = async () => {
      while (sent < count) {
        const i = sent++;
        const body = slashCommandBody({
          command: '/flow-resume',
          text: keys[i % keys.length] ?? 'bench-key-0000',
          user_id: users[i % users.length],
          channel_id: CHANNEL,
          response_url: `${standIns.ready.slackUrl}/respond/inflight-${i}`,
        });
        await postToSlackEndpoint(url, SECRET, body);
      }
    };
    await Promise.all(Array.from({ length: 20 }, sender));
    for (let tries = 0; tries < 100; tries++) {
      if ((await gauge(url, 'flowbot_changes_in_flight')) >= count) break;
      await sleep(50);
    }
    const inFlight = await gauge(url, 'flowbot_changes_in_flight');
    const calls = await gauge(url, 'flowbot_qstash_calls_in_flight');
    const busy = summarize(await snapshot(flowbot.pid, dir, seen));
    const perChange = (busy.total - idle.total) / inFlight;
    const codeOf = (summary: typeof idle) =>
      [...summary.byKind]
        .filter(([kind]) => kind.startsWith('code:'))
        .reduce((sum, [, row]) => sum + row.bytes, 0);
    const withoutCode = (busy.total - codeOf(busy) - (idle.total - codeOf(idle))) / inFlight;
    process.stdout.write(
      `${inFlight} changes in flight on ${keyCount} keys (${calls} QStash calls in flight): live heap ${(idle.total / 1_048_576).toFixed(1)} MB idle, ${(busy.total / 1_048_576).toFixed(1)} MB busy, ${(perChange / 1024).toFixed(2)} kB per change (${(withoutCode / 1024).toFixed(2)} kB without code compiled meanwhile)\n\nper change, by kind (bytes, objects):\n`,
    );
    const rows = [...busy.byKind]
      .map(([kind, { bytes, count: objects }]) => {
        const before = idle.byKind.get(kind) ?? { bytes: 0, count: 0 };
        return {
          kind,
          bytes: (bytes - before.bytes) / inFlight,
          objects: (objects - before.count) / inFlight,
        };
      })
      .filter((row) => row.bytes > 8)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 40);
    for (const row of rows)
      process.stdout.write(
        `${row.bytes.toFixed(0).padStart(8)}  ${row.objects.toFixed(2).padStart(6)}  ${row.kind}\n`,
      );
  } finally {
    await flowbot.stop();
    await standIns.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
