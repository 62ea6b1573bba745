import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  buildNoBodyResponse,
  buildSSLCheckResponse,
  buildUrlVerificationResponse,
  defaultBodyLimit,
  extractRetryNumFromHTTPRequest,
  extractRetryReasonFromHTTPRequest,
  getTypeAndConversation,
  HTTPResponseAck,
  IncomingEventType,
  isRawBodyError,
  parseAndVerifyHTTPRequest,
  parseHTTPRequestBody,
} from '../../src/slack/front-door/bolt-http.js';
import type { FrontDoorThreadSettings } from '../../src/slack/front-door/protocol.js';
import { builtModuleUrl, startCommand } from '../support/built.js';
import { signSlackRequest, slashCommandBody } from '../support/slack-request.js';

/**
 * The front door takes Bolt's request handling from files under `@slack/bolt/dist/` (not Bolt's public API,
 * see bolt-http.ts). If a Bolt release moves, renames or reshapes them, these fail, before Slack's requests do.
 */

const SECRET = 'pinned0bolt0signing0secret0abcd';
const require = createRequire(import.meta.url);

/** A request as Node's server hands it over: a stream of the raw body, with headers. */
function incoming(body: string, headers: Record<string, string>): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers }) as unknown as IncomingMessage;
}

describe('Bolt’s request handling, imported from its files', () => {
  it('finds each file inside @slack/bolt 5', () => {
    const boltRoot = require.resolve('@slack/bolt').replace(/dist[\\/]index\.js$/, '');
    for (const path of [
      'dist/receivers/HTTPModuleFunctions.js',
      'dist/receivers/HTTPResponseAck.js',
      'dist/receivers/verify-request.js',
      'dist/helpers.js',
    ]) {
      expect(require.resolve(`@slack/bolt/${path}`), path).toBe(join(boltRoot, path));
    }
    expect((require('@slack/bolt/package.json') as { version: string }).version).toMatch(/^5\./);
  });

  it('exports what the front door uses, with the shapes it relies on', () => {
    for (const fn of [
      buildNoBodyResponse,
      buildSSLCheckResponse,
      buildUrlVerificationResponse,
      extractRetryNumFromHTTPRequest,
      extractRetryReasonFromHTTPRequest,
      getTypeAndConversation,
      isRawBodyError,
      parseAndVerifyHTTPRequest,
      parseHTTPRequestBody,
    ]) {
      expect(typeof fn).toBe('function');
    }
    expect(typeof HTTPResponseAck.prototype.bind).toBe('function');
    expect(defaultBodyLimit).toBe(4 * 1024 * 1024);
    expect(getTypeAndConversation({ command: '/flow', channel_id: 'C1' })).toEqual({
      type: IncomingEventType.Command,
      conversationId: 'C1',
    });
    expect(getTypeAndConversation({ event: { type: 'app_home_opened' } }).type).toBe(IncomingEventType.Event);
    expect(getTypeAndConversation({ type: 'block_suggestion' }).type).toBe(IncomingEventType.Options);
    expect(getTypeAndConversation({ something: 'else' }).type).toBeUndefined();
    const retried = incoming('', { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' });
    expect(extractRetryNumFromHTTPRequest(retried)).toBe(2);
    expect(extractRetryReasonFromHTTPRequest(retried)).toBe('http_timeout');
  });

  it('checks Slack’s signature and timestamp (Bolt’s verifySlackRequest), and parses the body', async () => {
    const body = slashCommandBody({ command: '/flow', text: 'help', user_id: 'U1' });
    const signed = await parseAndVerifyHTTPRequest(
      { signingSecret: SECRET },
      incoming(body, { ...signSlackRequest(SECRET, body) }),
    );
    expect(parseHTTPRequestBody(signed)).toMatchObject({ command: '/flow', text: 'help', user_id: 'U1' });

    await expect(
      parseAndVerifyHTTPRequest(
        { signingSecret: SECRET },
        incoming(body, { ...signSlackRequest('another0secret0entirely0abcdef', body) }),
      ),
    ).rejects.toThrow(/signature mismatch/);
    const stale = Math.floor(Date.now() / 1000) - 3_600;
    await expect(
      parseAndVerifyHTTPRequest(
        { signingSecret: SECRET },
        incoming(body, { ...signSlackRequest(SECRET, body, stale) }),
      ),
    ).rejects.toThrow(/stale/);
    await expect(
      parseAndVerifyHTTPRequest(
        { signingSecret: SECRET },
        incoming(body, { 'content-type': 'application/x-www-form-urlencoded' }),
      ),
    ).rejects.toThrow(/x-slack-signature/);
  });

  it('lets an unsigned ssl_check through with anything smuggled beside it stripped', async () => {
    const smuggled = `ssl_check=1&payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions' }))}`;
    const checked = await parseAndVerifyHTTPRequest(
      { signingSecret: SECRET },
      incoming(smuggled, { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(parseHTTPRequestBody(checked)).toEqual({ ssl_check: '1' });
  });

  it('refuses a body over the limit with a raw-body error of status 413', async () => {
    const error = await parseAndVerifyHTTPRequest(
      { signingSecret: SECRET, bodyLimit: 10 },
      incoming('x'.repeat(100), {}),
    ).catch((caught: unknown) => caught);
    expect(isRawBodyError(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 413 });
  });
});

describe('the front door thread', () => {
  it('loads those files and not Bolt’s App, the Web API client or axios', async () => {
    // The built thread, as `npm start` runs it, reporting what the CommonJS module cache (where Bolt's files
    // land when imported) holds once it has loaded.
    const entry = builtModuleUrl('src/slack/front-door/front-door-thread.ts');
    const code = `import(${JSON.stringify(entry)}).then(() => require('node:worker_threads').parentPort.postMessage({ kind: 'modules', paths: Object.keys(require('node:module')._cache) }));`;
    const settings: FrontDoorThreadSettings = {
      signingSecret: SECRET,
      environments: { names: ['default'], defaultName: 'default' },
      logLevel: 'silent',
      maxInFlight: 1_000,
    };
    const thread = new Worker(code, { eval: true, workerData: settings, execArgv: [] });
    try {
      const paths = await new Promise<string[]>((resolve, reject) => {
        thread.on('message', (message: { kind: string; paths?: string[] }) => {
          if (message.kind === 'modules') resolve(message.paths ?? []);
        });
        thread.once('error', reject);
        thread.once('exit', (code) => reject(new Error(`the thread exited (${code})`)));
      });
      const loaded = paths.map((path) => path.replaceAll('\\', '/').replace(/\?.*$/, ''));
      expect(loaded.some((path) => path.endsWith('@slack/bolt/dist/receivers/verify-request.js'))).toBe(true);
      expect(loaded.some((path) => path.endsWith('@slack/bolt/dist/receivers/HTTPModuleFunctions.js'))).toBe(
        true,
      );
      expect(loaded.filter((path) => /@slack\/bolt\/dist\/(App|index)\.js$/.test(path))).toEqual([]);
      expect(
        loaded.filter((path) => /node_modules\/(@slack\/(web-api|socket-mode|oauth)|axios)\//.test(path)),
      ).toEqual([]);
    } finally {
      await thread.terminate();
    }
  });

  it('the front door thread’s bundle (what `npm start` runs) holds none of the App either', () => {
    // The entry `npm start` runs, in dist/bundle beside esbuild's record of what each output file contains.
    const entry = startCommand().at(-1) ?? '';
    const meta = JSON.parse(readFileSync(join(dirname(entry), 'meta.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string }[] }>;
    };
    const thread = Object.keys(meta.outputs).find((path) => path.endsWith('/front-door-thread.js'));
    expect(thread).toBeDefined();
    // The thread's file and every file it imports statically, transitively.
    const files = new Set<string>();
    const visit = (path: string) => {
      if (files.has(path) || !meta.outputs[path]) return;
      files.add(path);
      for (const imported of meta.outputs[path].imports)
        if (imported.kind === 'import-statement') visit(imported.path);
    };
    visit(thread ?? '');
    const inputs = [...files].flatMap((file) => Object.keys(meta.outputs[file]?.inputs ?? {}));
    expect(inputs.some((path) => path.endsWith('@slack/bolt/dist/receivers/HTTPModuleFunctions.js'))).toBe(
      true,
    );
    expect(inputs.filter((path) => /@slack\/bolt\/dist\/(App|index)\.js$/.test(path))).toEqual([]);
    expect(
      inputs.filter((path) =>
        /node_modules\/(@slack\/(web-api|socket-mode|oauth)|axios|undici|zod)\//.test(path),
      ),
    ).toEqual([]);
  });
});
