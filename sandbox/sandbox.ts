import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type RunningFlowbot, startFlowbot } from '../src/app/flowbot.js';
import type { LogLevel } from '../src/config/config.js';
import { formatConfigProblems, loadConfig } from '../src/config/load-config.js';
import { createLogger, secretsOf } from '../src/logger.js';
import { type FakeSlack, startFakeSlack } from '../stand-ins/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from '../stand-ins/qstash-emulator.js';
import { emulatorKeys, qstashKeys } from './key-panel.js';
import { seedKeys, startTraffic } from './seed.js';
import { startSandboxServer } from './server.js';
import { SlackDoor } from './slack-door.js';
import { Timeline } from './timeline.js';
import { CHANNEL, ONCALL_GROUP, PEOPLE } from './workspace.js';

export interface SandboxOptions {
  /** The page's port; 0 for any free one. */
  readonly port?: number;
  readonly host?: string;
  /** A real QStash project to use instead of the emulator (only ever given by a person, never by tests). */
  readonly realQStash?: { readonly url: string; readonly token: string };
  readonly logLevel?: LogLevel;
  readonly logDestination?: DestinationStream;
  /** One delivery period of the emulator, in ms. */
  readonly tickMs?: number;
}

export interface RunningSandbox {
  readonly url: string;
  readonly flowbotUrl: string;
  readonly mode: 'emulator' | 'qstash';
  readonly slack: FakeSlack;
  readonly qstash: QStashEmulator | undefined;
  readonly bot: RunningFlowbot;
  close(): Promise<void>;
}

const EMULATOR_TOKEN = 'sandbox-qstash-token-0123456789';

/**
 * Flowbot as it runs in production (the real app, in HTTP mode, from the same config loader), with a local
 * fake Slack and, unless a real project is given, a local QStash; plus the page that plays Slack's client.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch {
        // Closing goes on: one stuck part must not keep the others running.
      }
    }
    cleanup.length = 0;
  };
  try {
    const slack = await startFakeSlack({ botToken: 'xoxb-sandbox-not-a-real-token' });
    cleanup.push(() => slack.close());
    slack.setUserGroup(
      ONCALL_GROUP.id,
      PEOPLE.filter((person) => person.role === 'group').map((person) => person.id),
    );
    slack.setChannel(CHANNEL.id, { name: CHANNEL.name });

    let qstash: QStashEmulator | undefined;
    let qstashUrl: string;
    let qstashToken: string;
    if (options.realQStash) {
      qstashUrl = options.realQStash.url;
      qstashToken = options.realQStash.token;
    } else {
      const emulator = await startQStashEmulator({ token: EMULATOR_TOKEN });
      qstash = emulator;
      cleanup.push(() => emulator.close());
      seedKeys(emulator);
      const stopTraffic = startTraffic(emulator, options.tickMs ?? 1_000);
      cleanup.push(stopTraffic);
      qstashUrl = emulator.url;
      qstashToken = EMULATOR_TOKEN;
    }

    const dataDir = mkdtempSync(join(tmpdir(), 'flowbot-sandbox-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const signingSecret = randomBytes(16).toString('hex');
    const alertsToken = randomBytes(24).toString('hex');
    const allowed = PEOPLE.filter((person) => person.role === 'allowed').map((person) => person.id);
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      QSTASH_URL: qstashUrl,
      QSTASH_TOKEN: qstashToken,
      FLOW_ALLOWED_USERS: [...allowed, ONCALL_GROUP.id].join(','),
      FLOW_DATA_DIR: dataDir,
      ALERTS_TOKEN: alertsToken,
      ALERTS_CHANNEL: CHANNEL.id,
      PORT: '0',
      LOG_LEVEL: options.logLevel ?? 'warn',
    });
    if (loaded.kind === 'invalid') throw new Error(formatConfigProblems(loaded.problems));
    const logger = createLogger({
      level: loaded.config.logLevel,
      secrets: secretsOf(loaded.config),
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
    const bot = await startFlowbot(loaded.config, { logger });
    cleanup.push(() => bot.stop(2_000));
    const flowbotUrl = `http://127.0.0.1:${bot.port}`;

    const timeline = new Timeline(slack, CHANNEL.id);
    cleanup.push(() => timeline.close());
    const mode = options.realQStash ? 'qstash' : 'emulator';
    const server = await startSandboxServer(
      {
        slack,
        timeline,
        door: new SlackDoor(flowbotUrl, signingSecret, slack),
        keys: qstash ? emulatorKeys(qstash) : qstashKeys(qstashUrl, qstashToken),
        mode,
        qstashUrl,
        flowbotUrl,
        alertsToken,
        // A storm needs keys to alert about: the emulator makes them, paused, with messages waiting.
        ...(qstash
          ? {
              stormKeys: (count: number) =>
                Array.from({ length: count }, (_, i) => {
                  const key = `storm-${String(i + 1).padStart(2, '0')}`;
                  qstash?.setKey({ flowControlKey: key, isPaused: true, waitListSize: 120 + i * 7 });
                  return key;
                }),
            }
          : {}),
      },
      { port: options.port ?? 0, host: options.host ?? '127.0.0.1' },
    );
    cleanup.push(() => server.close());

    return { url: server.url, flowbotUrl, mode, slack, qstash, bot, close };
  } catch (error) {
    await close();
    throw error;
  }
}
