import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { postAlert } from '../../src/tools/post-alert.js';
import { builtModuleUrl } from '../support/built.js';
import { spawnChild } from '../support/children.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type QStashEmulator, startQStashEmulator } from '../support/qstash-emulator.js';

describe('npm run alert', () => {
  let slack: FakeSlack;
  let qstash: QStashEmulator;
  let config: ReturnType<typeof configFor>;
  const configFor = (s: FakeSlack, q: QStashEmulator) => {
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: s.botToken,
      SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef',
      SLACK_API_URL: s.apiUrl,
      QSTASH_URL: q.url,
      QSTASH_TOKEN: q.tokens[0],
    });
    if (loaded.kind === 'invalid') throw new Error(loaded.problems.join('\n'));
    return loaded.config;
  };
  beforeAll(async () => {
    slack = await startFakeSlack();
    qstash = await startQStashEmulator();
    qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12340 });
    config = configFor(slack, qstash);
  });
  afterAll(async () => {
    await Promise.all([slack.close(), qstash.close()]);
  });

  it('posts an alert with the live state and a Resume button carrying the key', async () => {
    const result = await postAlert(
      ['--channel', 'CALERTS01', '--key', 'orders-eu', '--title', 'Orders paused'],
      config,
    );
    expect(result).toMatchObject({ kind: 'posted', channel: 'CALERTS01' });
    const posted = slack.callsTo('chat.postMessage').at(-1)!;
    const blocks = JSON.stringify(posted.params.blocks);
    expect(blocks).toContain('"action_id":"flow_resume"');
    expect(blocks).toContain('"value":"orders-eu"');
    expect(blocks).toContain('12,340 waiting');
    expect(blocks).toContain('Orders paused');
  });

  it('refuses bad arguments with usage and posts nothing', async () => {
    const before = slack.callsTo('chat.postMessage').length;
    for (const argv of [
      [],
      ['--channel', 'general', '--key', 'x'],
      ['--channel', 'C123'],
      ['--bogus'],
      ['--channel', 'C123', '--key', '..'],
    ]) {
      const result = await postAlert(argv, config);
      expect(result.kind).toBe('failed');
    }
    expect(slack.callsTo('chat.postMessage').length).toBe(before);
  });

  it('runs as `npm run alert` runs it: node on the built script, with production dependencies only', async () => {
    // `npm run alert` is `node dist/scripts/post-alert.js` (after a build check): no tsx, so it works in the
    // Docker image, which has no dev dependencies. An empty folder, so that no .env is read.
    const child = spawnChild(
      'npm run alert',
      process.execPath,
      [
        fileURLToPath(builtModuleUrl('scripts/post-alert.ts')),
        '--channel',
        'CALERTS01',
        '--key',
        'orders-eu',
        '--title',
        'From the built script',
      ],
      {
        cwd: mkdtempSync(join(tmpdir(), 'flowbot-alert-')),
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef',
          SLACK_API_URL: slack.apiUrl,
          QSTASH_URL: qstash.url,
          QSTASH_TOKEN: qstash.tokens[0]!,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Posted to CALERTS01 at ts \d+\.\d+\n$/);
    expect(JSON.stringify(slack.callsTo('chat.postMessage').at(-1)?.params.blocks)).toContain(
      'From the built script',
    );
    expect(output).not.toContain(slack.botToken);
  });

  it('explains not_in_channel', async () => {
    slack.failMethod('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    const result = await postAlert(['--channel', 'CALERTS01', '--key', 'orders-eu'], config);
    expect(result).toMatchObject({ kind: 'failed' });
    expect(result.kind === 'failed' && result.problem).toContain('/invite @Flowbot');
  });
});
