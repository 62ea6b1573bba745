import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { READY_TIMEOUT_MS, spawnBuiltFlowbot } from '../support/flowbot-process.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built entrypoint in an empty folder (so no .env is picked up) with exactly `env`. */
function runFlowbot(env: Record<string, string>, untilReady = false): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawnBuiltFlowbot('start', env);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      if (untilReady && !signalled && stdout.includes('Flowbot is running')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starting, checking Slack and stopping again, with room for a busy machine. */
const RUN_MS = READY_TIMEOUT_MS + 30_000;

describe('starting Flowbot', () => {
  let slack: FakeSlack;
  let qstash: QStashEmulator;
  beforeAll(async () => {
    slack = await startFakeSlack();
    qstash = await startQStashEmulator();
  });
  afterAll(async () => {
    await Promise.all([slack.close(), qstash.close()]);
  });

  it(
    'without configuration, lists every missing variable in one message and exits 1',
    async () => {
      const run = await runFlowbot({});
      expect(run.code).toBe(1);
      for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'QSTASH_TOKEN'])
        expect(run.stderr).toContain(name);
      expect(run.stderr.trim().split('\n')[0]).toContain('Flowbot cannot start');
      // HTTP mode is only one way: the missing signing secret points at Socket Mode too.
      expect(run.stderr).toContain('or set SLACK_APP_TOKEN to use Socket Mode instead');
    },
    RUN_MS,
  );

  it(
    'with invalid values, names them without printing any secret',
    async () => {
      const run = await runFlowbot({
        SLACK_BOT_TOKEN: 'not-a-bot-token-SECRET1',
        SLACK_SIGNING_SECRET: 'short',
        QSTASH_TOKEN: 'qstash-SECRET2',
        QSTASH_URL: 'ftp://user:SECRET3@example.com',
        PORT: '99999',
        FLOW_ALLOWED_USERS: 'alice,U123ABC',
      });
      expect(run.code).toBe(1);
      for (const name of [
        'SLACK_BOT_TOKEN',
        'SLACK_SIGNING_SECRET',
        'QSTASH_URL',
        'PORT',
        'FLOW_ALLOWED_USERS',
      ]) {
        expect(run.stderr).toContain(name);
      }
      expect(run.stderr).not.toMatch(/SECRET\d/);
    },
    RUN_MS,
  );

  it(
    'with a token Slack rejects, exits with a readable reason',
    async () => {
      slack.failMethod('auth.test', { kind: 'error', error: 'invalid_auth' }, 1);
      const run = await runFlowbot({
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789',
        SLACK_API_URL: slack.apiUrl,
        QSTASH_TOKEN: qstash.tokens[0]!,
        QSTASH_URL: qstash.url,
        PORT: '0',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Slack rejected SLACK_BOT_TOKEN (invalid_auth)');
      expect(run.stderr + run.stdout).not.toContain(slack.botToken);
    },
    RUN_MS,
  );

  it(
    'in Socket Mode with an app token Slack rejects, names SLACK_APP_TOKEN, not the bot token',
    async () => {
      slack.failMethod('apps.connections.open', { kind: 'error', error: 'invalid_auth' });
      try {
        const run = await runFlowbot({
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_APP_TOKEN: 'xapp-1-A0123-456-rejectedappSECRET4',
          SLACK_API_URL: slack.apiUrl,
          QSTASH_TOKEN: qstash.tokens[0]!,
          QSTASH_URL: qstash.url,
          PORT: '0',
        });
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('Slack rejected SLACK_APP_TOKEN (invalid_auth)');
        expect(run.stderr).not.toContain('SLACK_BOT_TOKEN');
        expect(run.stderr + run.stdout).not.toMatch(/SECRET4/);
      } finally {
        slack.clearFaults();
      }
    },
    RUN_MS,
  );

  it(
    'when Slack takes the connection but never answers auth.test, gives up and says it could not reach Slack',
    async () => {
      const silent = createServer(() => {
        // Never answered.
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const run = await runFlowbot({
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789',
          SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
          QSTASH_TOKEN: qstash.tokens[0]!,
          QSTASH_URL: qstash.url,
          PORT: '0',
        });
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('could not reach Slack’s Web API');
        // The log line gives the reason and what caused it, not three stacks of the HTTP client's internals.
        const fatal = run.stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line))
          .find((entry) => entry.level === 60);
        expect(fatal).toMatchObject({
          msg: 'Flowbot could not start',
          reason: expect.stringContaining('could not reach Slack’s Web API'),
        });
        expect(fatal.causes.length).toBeGreaterThan(0);
        expect(JSON.stringify(fatal)).not.toMatch(/stack|\n\s+at /);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    },
    RUN_MS,
  );

  it(
    'with a valid configuration, starts in HTTP mode and shuts down cleanly on SIGTERM',
    async () => {
      const run = await runFlowbot(
        {
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789',
          SLACK_API_URL: slack.apiUrl,
          QSTASH_TOKEN: qstash.tokens[0]!,
          QSTASH_URL: qstash.url,
          PORT: '0',
          FLOW_ALLOWED_USERS: 'U123ABC',
        },
        true,
      );
      expect(run.stdout).toContain('Flowbot is running in HTTP mode');
      expect(run.stdout, run.stdout + run.stderr).toContain('Flowbot stopped');
      expect(run.code).toBe(0);
    },
    RUN_MS,
  );
});

describe('a signal while Flowbot is still starting', () => {
  it(
    'a second SIGTERM exits at once, even when startup never finishes',
    async () => {
      // A Slack that knows the token but never answers apps.connections.open: Socket Mode never comes up.
      let opened!: () => void;
      const connecting = new Promise<void>((resolve) => {
        opened = resolve;
      });
      const server = createServer((req, res) => {
        if (req.url?.includes('apps.connections.open')) {
          opened();
          return; // never answered
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT00001', team_id: 'T0001', bot_id: 'BBOT00001' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const qstash = await startQStashEmulator();
      try {
        const child = spawnBuiltFlowbot('start-signal', {
          SLACK_BOT_TOKEN: 'xoxb-0000-signal-test-token',
          SLACK_APP_TOKEN: 'xapp-1-A0000-signal-test-token',
          SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
          QSTASH_URL: qstash.url,
          QSTASH_TOKEN: qstash.tokens[0] ?? '',
          PORT: '0',
          FLOW_DATA_DIR: 'data',
        });
        let stdout = '';
        const told = new Promise<void>((resolve) => {
          child.stdout?.on('data', (chunk) => {
            stdout += chunk;
            if (stdout.includes('send the signal again')) resolve();
          });
        });
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await connecting;
        child.kill('SIGTERM');
        await told;
        child.kill('SIGTERM');
        expect(await exited).toBe(1);
        expect(stdout).toContain('second signal: exiting without waiting');
      } finally {
        server.closeAllConnections();
        server.close();
        await qstash.close();
      }
    },
    RUN_MS,
  );
});
