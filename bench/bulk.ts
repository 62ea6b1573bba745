import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startFlowbot } from '../src/app/flowbot.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logger.js';
import { startFakeSlack } from '../stand-ins/fake-slack.js';
import { startQStashEmulator } from '../stand-ins/qstash-emulator.js';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../stand-ins/slack-request.js';

/**
 * `BENCH_SCENARIO=bulk npm run bench`: a bulk resume of many keys against the QStash emulator with QStash's
 * burst limit on, Flowbot in this process with its production QStash client settings.
 *
 * Settings (environment):
 *   BENCH_BULK_KEYS=500           paused keys matching the pattern
 *   BENCH_BULK_BURST=100          the emulator's burst limit, requests per second (QStash's Free and
 *                                 Pay-as-you-go plans: https://upstash.com/docs/qstash/overall/pricing)
 *   BENCH_BULK_RPS=…              FLOW_BULK_QSTASH_RPS for Flowbot (default: Flowbot's own default)
 *   BENCH_BULK_CONCURRENCY=…      FLOW_BULK_CONCURRENCY for Flowbot (default: Flowbot's own default)
 *   BENCH_QSTASH_LATENCY_MS=20    added by the emulator to every answer
 * Reports the time from Confirm until the summary shows every key, against the floor QStash's burst limit
 * sets (every call the batch makes, at the burst limit), the QStash calls made, the 429s met and the most
 * requests in flight at once. Results: stdout and bench/results/bulk-latest.json.
 */

const SIGNING_SECRET = 'bench0signing0secret0abcdef0123';
const USER = 'UBENCHBULK';
const CHANNEL = 'CBENCH001';

function setting(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return value;
}

export async function runBulkBenchmark(resultsDir: string): Promise<void> {
  const keyCount = setting('BENCH_BULK_KEYS', 500) ?? 500;
  const burst = setting('BENCH_BULK_BURST', 100) ?? 100;
  const rps = setting('BENCH_BULK_RPS', undefined);
  const concurrency = setting('BENCH_BULK_CONCURRENCY', undefined);
  const latencyMs = setting('BENCH_QSTASH_LATENCY_MS', 20) ?? 20;
  const qstash = await startQStashEmulator({ token: 'bench-qstash-token-0123456789', latencyMs });
  const slack = await startFakeSlack();
  slack.setChannel(CHANNEL);
  const dataDir = mkdtempSync(join(tmpdir(), 'flowbot-bench-bulk-'));
  for (let i = 0; i < keyCount; i++)
    qstash.setKey({
      flowControlKey: `bulk-${String(i).padStart(4, '0')}`,
      isPaused: true,
      waitListSize: 100,
    });
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    QSTASH_URL: qstash.url,
    QSTASH_TOKEN: qstash.tokens[0],
    FLOW_ALLOWED_USERS: USER,
    FLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    ...(rps ? { FLOW_BULK_QSTASH_RPS: String(rps) } : {}),
    ...(concurrency ? { FLOW_BULK_CONCURRENCY: String(concurrency) } : {}),
  });
  if (loaded.kind === 'invalid') throw new Error(loaded.problems.join('\n'));
  const bot = await startFlowbot(loaded.config, {
    logger: createLogger({ level: 'warn', secrets: [] }),
    frontDoor: true,
  });
  const url = `http://127.0.0.1:${bot.port}`;
  try {
    await bot.checked;
    const responseUrl = slack.responseUrl();
    await postToSlackEndpoint(
      url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/flow',
        text: 'resume bulk-*',
        user_id: USER,
        channel_id: CHANNEL,
        response_url: responseUrl,
        trigger_id: slack.triggerId(),
      }),
    );
    const previewBody = await slack.waitForResponse(
      responseUrl,
      (body) => !String(body.text ?? '').startsWith(':mag: Looking'),
      60_000,
    );
    const confirm = (
      (previewBody.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]) ?? []
    )
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'flow_bulk_confirm');
    if (!confirm) throw new Error(`no Confirm in the preview: ${String(previewBody.text)}`);
    // Limits on from here: the preview's one list call is not part of the batch.
    qstash.setBurstLimit(burst);
    qstash.clearRequests();
    const started = Date.now();
    await postToSlackEndpoint(
      url,
      SIGNING_SECRET,
      blockActionsBody({
        userId: USER,
        channelId: CHANNEL,
        actionId: 'flow_bulk_confirm',
        value: confirm.value,
        responseUrl: slack.responseUrl(),
        isEphemeral: true,
      }),
    );
    const done = `resumed ${keyCount.toLocaleString('en-US')} of ${keyCount.toLocaleString('en-US')} keys`;
    const finished = await slack.waitForCall(
      'chat.update',
      (call) => String(call.params.text ?? '').startsWith(done),
      30 * 60_000,
    );
    const elapsedMs = Date.now() - started;
    const requests = [...qstash.requests];
    const byRoute: Record<string, number> = {};
    for (const request of requests) byRoute[request.route] = (byRoute[request.route] ?? 0) + 1;
    const limited = requests.filter((request) => request.status === 429).length;
    const answered = requests.length - limited;
    const floorMs = (answered / burst) * 1000;
    const resumed = Array.from({ length: keyCount }, (_, i) =>
      qstash.appliedMutations(`bulk-${String(i).padStart(4, '0')}`, 'resume'),
    );
    const report = {
      when: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      settings: {
        keys: keyCount,
        burstLimitPerSecond: burst,
        flowbotQStashRequestsPerSecond: loaded.config.bulk.qstashRequestsPerSecond,
        flowbotConcurrency: loaded.config.bulk.concurrency,
        qstashLatencyMs: latencyMs,
      },
      elapsedMs,
      floorMs: Math.round(floorMs),
      qstashCalls: requests.length,
      callsByRoute: byRoute,
      burst429s: limited,
      peakInFlight: qstash.peakInFlight,
      everyKeyResumedOnce: resumed.every((count) => count === 1),
      summaryUpdates: slack.callsTo('chat.update').filter((call) => String(call.params.channel) === CHANNEL)
        .length,
      finalSummary: String(finished.params.text),
    };
    process.stdout.write(
      [
        `bulk resume of ${keyCount} keys, QStash burst limit ${burst}/s, Flowbot at ${report.settings.flowbotQStashRequestsPerSecond} QStash requests/s, ${report.settings.flowbotConcurrency} keys in flight`,
        `  time to finish      ${(elapsedMs / 1000).toFixed(1)} s (floor at the burst limit: ${(floorMs / 1000).toFixed(1)} s for ${answered} calls)`,
        `  QStash calls        ${requests.length} (${Object.entries(byRoute)
          .map(([route, count]) => `${route} ${count}`)
          .join(', ')})`,
        `  burst 429s          ${limited}`,
        `  peak in flight      ${qstash.peakInFlight}`,
        `  every key once      ${report.everyKeyResumedOnce}`,
        `  summary redraws     ${report.summaryUpdates}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(resultsDir, 'bulk-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await bot.stop(5_000);
    await slack.close();
    await qstash.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
