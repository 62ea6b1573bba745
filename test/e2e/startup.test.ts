import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'src/index.ts');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real entrypoint in an empty folder (so no .env is picked up) with exactly `env`. */
function runFlowbot(env: Record<string, string>, untilReady = false): Promise<Run & { kill?: () => void }> {
  return new Promise((resolve) => {
    const cwd = mkdtempSync(join(tmpdir(), 'flowbot-start-'));
    const child = spawn(process.execPath, ['--import', tsxLoader, entry], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NODE_PATH: join(root, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (untilReady && !signalled && stdout.includes('Flowbot is running')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

  it('without configuration, lists every missing variable in one message and exits 1', async () => {
    const run = await runFlowbot({});
    expect(run.code).toBe(1);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'QSTASH_TOKEN'])
      expect(run.stderr).toContain(name);
    expect(run.stderr.trim().split('\n')[0]).toContain('Flowbot cannot start');
  });

  it('with invalid values, names them without printing any secret', async () => {
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
  });

  it('with a token Slack rejects, exits with a readable reason', async () => {
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
  });

  it('with a valid configuration, starts in HTTP mode and shuts down cleanly on SIGTERM', async () => {
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
  });
});
