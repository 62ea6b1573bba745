import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type FlowbotOptions, type RunningFlowbot, startFlowbot } from '../../src/app/flowbot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger, secretsOf } from '../../src/logger.js';
import { describeRefusal, validateMessage } from '../../stand-ins/block-kit.js';
import {
  assertSlackAcceptedEverything,
  type FakeSlack,
  type FakeSlackOptions,
  type ResponseBody,
  SlackRefusedMessages,
  startFakeSlack,
} from './fake-slack.js';
import { type QStashEmulator, type QStashEmulatorOptions, startQStashEmulator } from './qstash-emulator.js';
import {
  type BlockActionFields,
  blockActionsBody,
  type InteractiveMessageFields,
  interactiveMessageBody,
  type PostResult,
  postToSlackEndpoint,
  slashCommandBody,
} from './slack-request.js';

export const SIGNING_SECRET = 'harness0signing0secret0abcdef123';
export const ALLOWED_USER = 'UALLOWED1';
export const GROUP_MEMBER = 'UMEMBER01';
export const STRANGER = 'USTRANGER';
export const ALLOWED_GROUP = 'SONCALL01';
export const CHANNEL = 'CINCIDENTS';

/** Every line the bot logged, parsed, plus the raw text (to search for secrets). */
export class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join('');
  }
  entries(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line));
  }
  audits(): Record<string, any>[] {
    return this.entries()
      .filter((entry) => entry.audit)
      .map((entry) => entry.audit);
  }
}

export interface HarnessOptions {
  env?: Record<string, string | undefined>;
  /** Reuse a data directory (to restart "the same" Flowbot); default a fresh temporary one. */
  dataDir?: string;
  /** Keep the emulator and fake Slack of an earlier harness (for restarts). */
  reuse?: { qstash: QStashEmulator; slack: FakeSlack };
  emulator?: QStashEmulatorOptions;
  /** Options of the fake Slack (rate limits, a clock…); it is strict unless these say otherwise. */
  slack?: FakeSlackOptions;
  /**
   * The test sends Slack content it knows Slack refuses: skip the check, at close, that Slack accepted every
   * message and view Flowbot sent.
   */
  allowRefusedMessages?: boolean;
  /** Extra emulators, one per named environment: `FLOW_ENVIRONMENTS` is set from their names. */
  environments?: Record<string, QStashEmulatorOptions>;
  /**
   * Receive Slack's requests in the front door thread, as `npm start` does (the default); false runs
   * everything on one thread, as Bolt's own HTTP receiver does.
   */
  frontDoor?: boolean;
  /** QStash call timing, over the harness's fast defaults (tests that move large answers need longer). */
  qstash?: { attemptTimeoutMs?: number; totalTimeoutMs?: number };
  /**
   * Home tab publishing, workflow step bounds and the key list's age (tests make them short); a store of the
   * test's own instead of the one the config names.
   */
  flowbot?: Pick<FlowbotOptions, 'homes' | 'workflowStepTimeoutMs' | 'keyListMaxAgeMs' | 'store'>;
  /** QStash call timing instead of the harness's fast-failing defaults (e.g. to let a 2 s QStash answer). */
  qstashTiming?: FlowbotOptions['qstash'];
}

export interface Harness {
  readonly qstash: QStashEmulator;
  readonly qstashByEnvironment: Record<string, QStashEmulator>;
  readonly slack: FakeSlack;
  readonly bot: RunningFlowbot;
  readonly url: string;
  readonly logs: LogCapture;
  readonly secrets: string[];
  readonly dataDir: string;
  /** Stops only the bot (a "restart" keeps the emulator, fake Slack and data directory). */
  stopBot(): Promise<void>;
  command(
    command: string,
    text: string,
    options?: { user?: string; channel?: string; team?: string; enterprise?: string },
  ): Promise<PostResult & { responseUrl: string; triggerId: string }>;
  click(
    fields: Partial<BlockActionFields> & { actionId: string; value: string },
  ): Promise<PostResult & { responseUrl: string }>;
  /** A click on a legacy interactive button (`interactive_message`), by default by the allowed user. */
  legacyClick(
    fields: Partial<InteractiveMessageFields> & { name: string; value: string },
  ): Promise<PostResult & { responseUrl: string }>;
  waitForResponse(responseUrl: string, predicate?: (body: ResponseBody) => boolean): Promise<ResponseBody>;
  close(): Promise<void>;
}

/** The real Flowbot on an ephemeral port, wired to a local QStash emulator and a fake Slack. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = options.reuse?.slack ?? (await startFakeSlack(options.slack));
  slack.setUserGroup(ALLOWED_GROUP, [GROUP_MEMBER]);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'flowbot-data-'));
  const qstashByEnvironment: Record<string, QStashEmulator> = {};
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    FLOW_ALLOWED_USERS: `${ALLOWED_USER},${ALLOWED_GROUP}`,
    PORT: '0',
    LOG_LEVEL: 'debug',
    FLOW_DATA_DIR: dataDir,
  };
  let qstash: QStashEmulator;
  if (options.environments) {
    const names = Object.keys(options.environments);
    env.FLOW_ENVIRONMENTS = names.join(',');
    for (const name of names) {
      const emulator = await startQStashEmulator({
        token: `qstash-token-${name}-0123456789`,
        ...options.environments[name],
      });
      qstashByEnvironment[name] = emulator;
      env[`QSTASH_URL_${name.toUpperCase()}`] = emulator.url;
      env[`QSTASH_TOKEN_${name.toUpperCase()}`] = emulator.tokens[0];
    }
    qstash = qstashByEnvironment[names[0]!]!;
  } else {
    qstash =
      options.reuse?.qstash ??
      (await startQStashEmulator({ token: 'qstash-secret-token-0123456789', ...options.emulator }));
    env.QSTASH_URL = qstash.url;
    env.QSTASH_TOKEN = qstash.tokens[0];
  }
  Object.assign(env, options.env);
  const loaded = loadConfig(env);
  if (loaded.kind === 'invalid') throw new Error(`harness config invalid:\n${loaded.problems.join('\n')}`);
  const logs = new LogCapture();
  // Slack shows a command's acknowledgement like a response_url post, so it must be a message Slack accepts.
  const refusedAcks: string[] = [];
  const checkAck = (raw: string, request: string) => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
    const refusal = validateMessage(body as Record<string, unknown>, 'response_url');
    if (refusal)
      refusedAcks.push(
        `acknowledgement of ${request.slice(0, 300)}: ${describeRefusal(refusal)}\n  payload: ${raw.slice(0, 600)}`,
      );
  };
  const secrets = secretsOf(loaded.config);
  const logger = createLogger({ level: loaded.config.logLevel, secrets, destination: logs });
  const bot = await startFlowbot(loaded.config, {
    logger,
    qstash: options.qstashTiming ?? {
      attemptTimeoutMs: 400,
      totalTimeoutMs: 2_500,
      baseDelayMs: 10,
      maxAttempts: 4,
      ...options.qstash,
    },
    schedulerIntervalMs: 50,
    frontDoor: options.frontDoor ?? true,
    ...options.flowbot,
  });
  const url = `http://127.0.0.1:${bot.port}`;
  // The startup readiness check reads QStash once; tests count only what they cause themselves.
  await bot.checked;
  // So does the check of the user groups the policy names (one usergroups.users.list call per group).
  await bot.groupsChecked;
  if (!options.reuse) qstash.clearRequests();

  return {
    qstash,
    qstashByEnvironment,
    slack,
    bot,
    url,
    logs,
    secrets,
    dataDir,
    async stopBot() {
      await bot.stop(2_000);
    },
    async command(command, text, commandOptions = {}) {
      const responseUrl = slack.responseUrl();
      const user = commandOptions.user ?? ALLOWED_USER;
      const triggerId = slack.triggerId(user);
      const body = slashCommandBody({
        command,
        text,
        trigger_id: triggerId,
        user_id: user,
        channel_id: commandOptions.channel ?? CHANNEL,
        ...(commandOptions.team ? { team_id: commandOptions.team } : {}),
        ...(commandOptions.enterprise ? { enterprise_id: commandOptions.enterprise } : {}),
        response_url: responseUrl,
      });
      const result = await postToSlackEndpoint(url, SIGNING_SECRET, body);
      checkAck(result.body, `${command} ${text}`);
      return { ...result, responseUrl, triggerId };
    },
    async click(fields) {
      const responseUrl = fields.responseUrl ?? slack.responseUrl();
      const body = blockActionsBody({
        userId: ALLOWED_USER,
        channelId: CHANNEL,
        triggerId: slack.triggerId(),
        ...fields,
        responseUrl,
      });
      const result = await postToSlackEndpoint(url, SIGNING_SECRET, body);
      return { ...result, responseUrl };
    },
    async legacyClick(fields) {
      const channelId = fields.channelId ?? CHANNEL;
      const userId = fields.userId ?? ALLOWED_USER;
      const responseUrl =
        fields.responseUrl ??
        slack.responseUrl({
          channel: channelId,
          user: userId,
          ...(fields.messageTs ? { ts: fields.messageTs } : {}),
        });
      const body = interactiveMessageBody({ userId, channelId, ...fields, responseUrl });
      const result = await postToSlackEndpoint(url, SIGNING_SECRET, body);
      return { ...result, responseUrl };
    },
    waitForResponse(responseUrl, predicate) {
      return slack.waitForResponse(responseUrl, predicate);
    },
    async close() {
      await bot.stop(2_000);
      if (options.reuse) return;
      const emulators = new Set([qstash, ...Object.values(qstashByEnvironment)]);
      await Promise.all([slack.close(), ...[...emulators].map((emulator) => emulator.close())]);
      if (options.allowRefusedMessages) return;
      if (refusedAcks.length > 0)
        throw new SlackRefusedMessages(
          `Slack would have refused ${refusedAcks.length} acknowledgement(s):\n${refusedAcks.join('\n')}`,
        );
      assertSlackAcceptedEverything(slack);
    },
  };
}

/** The text of a reply, blocks included, for assertions that should not depend on block layout. */
export function allText(body: { text?: string; blocks?: unknown } | undefined): string {
  if (!body) return '';
  return `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`;
}

/**
 * For a test file that starts its own harnesses: returns a starter, and closes every harness it started after
 * each test (newest first, so a restarted bot goes before the stand-ins it reused). `base` adds settings every
 * harness of the file shares; `prepare` runs on each one once it is up.
 */
export function harnessPerTest(
  base: HarnessOptions = {},
  prepare: (h: Harness) => void = () => {},
): (options?: HarnessOptions) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    const refused: unknown[] = [];
    for (const h of started.splice(0).reverse())
      await h.close().catch((error: unknown) => {
        // Other trouble while closing is not the test's business; Slack refusing a message is.
        if (error instanceof SlackRefusedMessages) refused.push(error);
      });
    if (refused[0] !== undefined) throw refused[0];
  });
  return async (options = {}) => {
    const h = await startHarness({ ...base, ...options, env: { ...base.env, ...options.env } });
    started.push(h);
    prepare(h);
    return h;
  };
}
