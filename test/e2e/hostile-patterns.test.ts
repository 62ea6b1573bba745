import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PATTERN_WILDCARDS } from '../../src/core/glob.js';
import { ALLOWED_USER, allText, type Harness, startHarness } from '../support/flowbot-harness.js';

/**
 * Patterns that would stall a backtracking matcher, through every way a pattern enters (a command, a list's
 * Refresh button, a policy file, FLOW_WATCH_KEYS), matched against long keys that QStash lists. With the
 * regular expressions Flowbot used to build, one such list kept the process busy for hours; now the work
 * is linear in the keys' length, and /healthz answers all along.
 */

// Every star can take any share of a key of a's: a backtracking matcher tries them all before it fails.
const HOSTILE = [
  `*${'a*'.repeat(MAX_PATTERN_WILDCARDS - 1)}b`,
  `*${'?*'.repeat(7)}z`,
  `${'*a'.repeat(MAX_PATTERN_WILDCARDS)}z`,
];
// A backtracking matcher never finishes even one of these; the list stays small enough to move quickly.
const LONG_KEYS = 40;
const LONG = 'a'.repeat(1_000);
const ALERTS = 'CALERTS01';

describe('hostile patterns against long keys', () => {
  let h: Harness;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbot-patterns-'));
    const policyFile = join(dir, 'policy.yml');
    // A deny rule is checked for every key of every list: its hostile patterns run against each long key.
    writeFileSync(
      policyFile,
      [
        'rules:',
        '  - name: no one touches b-keys',
        '    effect: deny',
        `    subjects: [${ALLOWED_USER}]`,
        '    actions: [pause]',
        `    keys: [${HOSTILE.map((glob) => JSON.stringify(glob)).join(', ')}]`,
        `    environments: ["${'*?'.repeat(8)}"]`,
        '',
      ].join('\n'),
    );
    h = await startHarness({
      // The list is large, and the machine may be busy: QStash's answer gets time to arrive.
      qstash: { attemptTimeoutMs: 10_000, totalTimeoutMs: 20_000 },
      env: {
        FLOW_POLICY_FILE: policyFile,
        FLOW_WATCH_KEYS: HOSTILE.join(','),
        FLOW_WATCH_INTERVAL: '1s',
        FLOW_WATCH_WAITLIST: '0',
        ALERTS_CHANNEL: ALERTS,
      },
    });
    h.slack.setChannel(ALERTS);
    for (let i = 0; i < LONG_KEYS; i += 1)
      h.qstash.setKey({ flowControlKey: `${LONG}${i}`, waitListSize: i });
    // The one key the watcher's first pattern matches: paused, so the watcher raises an alert for it.
    h.qstash.setKey({ flowControlKey: `${'a'.repeat(200)}b`, isPaused: true, waitListSize: 5 });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('keeps /healthz answering while /flow list matches hostile patterns against long keys', async () => {
    const lists = HOSTILE.flatMap((glob) => [glob, glob]).map(async (glob) => {
      const ack = await h.command('/flow', `list ${glob}`);
      expect(ack.status).toBe(200);
      return h.slack.waitForResponse(ack.responseUrl, undefined, 20_000);
    });
    // The lists are being worked on now: the process must still answer its liveness probe.
    for (let probe = 0; probe < 5; probe += 1) {
      const health = await fetch(`${h.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(health.status).toBe(200);
    }
    const replies = (await Promise.all(lists)).map(allText);
    // The first pattern finds the one key ending in b; the others match nothing.
    expect(replies[0]).toContain('1 flow-control key');
    expect(replies[0]).toContain(`${'a'.repeat(200)}b`);
    for (const reply of replies.slice(2)) expect(reply).toContain('No key matches that pattern.');
  }, 60_000);

  it('keeps the watcher matching its patterns: the paused key it names raises an alert', async () => {
    const alert = await h.slack.waitForCall(
      'chat.postMessage',
      (call) => call.params.channel === ALERTS,
      20_000,
    );
    expect(JSON.stringify(alert.params)).toContain(`${'a'.repeat(200)}b is paused`);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it('answers a pattern over the bounds with a clear private message, and lists nothing', async () => {
    h.qstash.clearRequests();
    const glob = `*${'a*'.repeat(MAX_PATTERN_WILDCARDS)}`;
    const ack = await h.command('/flow', `list ${glob}`);
    const body = JSON.parse(ack.body);
    expect(body.response_type).toBe('ephemeral');
    expect(allText(body)).toContain(`That pattern has ${MAX_PATTERN_WILDCARDS + 1} wildcards`);
    const refresh = await h.click({
      actionId: 'flow_list_refresh',
      value: JSON.stringify({ glob, environment: null }),
    });
    expect(allText(await h.waitForResponse(refresh.responseUrl))).toContain('no usable list');
    expect(h.qstash.requests.filter((request) => request.route === 'list')).toHaveLength(0);
  });
});
