import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startFlowbot } from '../src/app/flowbot.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logger.js';
import { startFakeSlack } from '../stand-ins/fake-slack.js';
import { startQStashEmulator } from '../stand-ins/qstash-emulator.js';

/**
 * `BENCH_SCENARIO=storm npm run bench`: an alert storm into one channel, the fake Slack with Slack's real rate
 * limits on (chat.postMessage one a second per channel with short bursts, chat.update 50 a minute…), Flowbot in
 * this process with its production Slack client settings.
 *
 * Settings (environment):
 *   BENCH_STORM_KEYS=500          keys alerting (one `POST /alerts` each, none waiting for another)
 *   BENCH_STORM_SECONDS=60        the alerts are spread evenly over this long
 * Reports the time from the first alert until every key is visible in the channel (in a living alert or the
 * roll-up), the answers (200 delivered, 202 queued), the Slack calls made and refused with 429, and the peak
 * RSS of this process (Flowbot with the stand-ins). Results: stdout and bench/results/storm-latest.json.
 */

const TOKEN = 'bench-alerts-token-0123456789abcdef';
const CHANNEL = 'CBENCHSTORM';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return value;
}

export async function runStormBenchmark(resultsDir: string): Promise<void> {
  const keyCount = setting('BENCH_STORM_KEYS', 500);
  const seconds = setting('BENCH_STORM_SECONDS', 60);
  const qstash = await startQStashEmulator({ token: 'bench-qstash-token-0123456789' });
  const slack = await startFakeSlack({ rateLimits: true });
  slack.setChannel(CHANNEL);
  const dataDir = mkdtempSync(join(tmpdir(), 'flowbot-bench-storm-'));
  const keys = Array.from({ length: keyCount }, (_, i) => `storm-${String(i).padStart(4, '0')}`);
  for (const key of keys) qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 250 });
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: 'bench0signing0secret0abcdef0123',
    SLACK_API_URL: slack.apiUrl,
    QSTASH_URL: qstash.url,
    QSTASH_TOKEN: qstash.tokens[0],
    ALERTS_TOKEN: TOKEN,
    ALERTS_CHANNEL: CHANNEL,
    FLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
  });
  if (loaded.kind === 'invalid') throw new Error(loaded.problems.join('\n'));
  const bot = await startFlowbot(loaded.config, {
    logger: createLogger({ level: 'warn', secrets: [] }),
    frontDoor: true,
  });
  const url = `http://127.0.0.1:${bot.port}`;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  const load = loadavg()[0] ?? 0;
  try {
    await bot.checked;
    const statuses: Record<string, number> = {};
    const started = Date.now();
    const sends = keys.map(
      (key, i) =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              fetch(`${url}/alerts`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
                body: JSON.stringify({ key, title: `${key} paused`, severity: 'critical' }),
              })
                .then(async (response) => {
                  await response.text();
                  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
                })
                .catch(() => {
                  statuses.network = (statuses.network ?? 0) + 1;
                })
                .finally(resolve);
            },
            Math.floor((i * seconds * 1000) / keyCount),
          );
        }),
    );
    // Every key visible: named in a message of the channel (a living alert or the roll-up).
    let visibleMs: number | undefined;
    let visible = 0;
    const deadline = started + seconds * 1000 + 15 * 60_000;
    while (Date.now() < deadline) {
      const text = slack
        .messages(CHANNEL)
        .filter((message) => message.thread_ts === undefined)
        .map((message) => JSON.stringify(message.blocks))
        .join('\n');
      visible = keys.filter((key) => text.includes(key)).length;
      if (visible === keyCount) {
        visibleMs = Date.now() - started;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.all(sends);
    const calls: Record<string, number> = {};
    for (const method of ['chat.postMessage', 'chat.update', 'chat.postEphemeral'])
      calls[method] = slack.callsTo(method).length;
    const report = {
      when: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverage1m: Math.round(load * 10) / 10,
      },
      settings: { keys: keyCount, seconds, rollupAfter: loaded.config.alerts.rollup.after },
      everyKeyVisibleMs: visibleMs,
      visibleKeys: visible,
      answers: statuses,
      slackCalls: calls,
      slackCallsRefused429: slack.ratelimited(),
      topLevelMessages: slack.messages(CHANNEL).filter((message) => message.thread_ts === undefined).length,
      peakRssMb: Math.round(peakRss / 2 ** 20),
    };
    process.stdout.write(
      [
        `alert storm: ${keyCount} keys into one channel over ${seconds} s, Slack's rate limits on (load average ${report.machine.loadAverage1m})`,
        `  every key visible   ${visibleMs === undefined ? `no (${visible} of ${keyCount})` : `${(visibleMs / 1000).toFixed(1)} s after the first alert`}`,
        `  answers             ${Object.entries(statuses)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', ')}`,
        `  Slack calls         ${Object.entries(calls)
          .map(([method, count]) => `${method} ${count}`)
          .join(', ')}`,
        `  refused (429)       ${report.slackCallsRefused429}`,
        `  messages posted     ${report.topLevelMessages}`,
        `  peak RSS            ${report.peakRssMb} MB (Flowbot with the stand-ins, one process)`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(resultsDir, 'storm-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    clearInterval(sampler);
    await bot.stop(5_000);
    await slack.close();
    await qstash.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
