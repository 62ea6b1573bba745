import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ACTION_IDS } from '../../src/slack/blocks/action-ids.js';
import { allText, type Harness, startHarness } from '../support/flowbot-harness.js';

/**
 * Names every plain object answers to. Wherever outside text selects something (a help topic, a subcommand,
 * an environment, an action, a label, a stored record), such a name must select nothing, or exactly what it
 * names: a clear answer, no crash, nothing changed.
 */
const NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'prototype',
  'isPrototypeOf',
  '__lookupGetter__',
] as const;

const seedSetting = process.env.FUZZ_SEED ?? '20261128';
if (seedSetting !== 'random') fc.configureGlobal({ seed: Number(seedSetting) });

const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';
/** What Flowbot says when something broke inside it: never the answer to bad input. */
const BROKE = [/Something went wrong inside Flowbot/, /could not handle this request/];

function commandTexts(name: string): [string, string][] {
  const lower = name.toLowerCase();
  return [
    ['/flow', name],
    ['/flow', `${name} orders`],
    ['/flow', `help ${name}`],
    ['/flow', `help ${lower}`],
    ['/flow', `status ${name}:orders`],
    ['/flow', `status prod:${name}`],
    ['/flow', `list ${name}:*`],
    ['/flow', `list ${name}`],
    ['/flow', `global ${name}`],
    ['/flow', `can ${name} orders`],
    ['/flow', `can ${lower} orders`],
    ['/flow', `can resume ${name}:orders`],
    ['/flow', `pause orders for 1${name}`],
    ['/flow', `pause ${name}:orders`],
    ['/flow', `pin orders ${name}=1`],
    ['/flow', `pin orders rate=1 period=${name}`],
    ['/flow', `unpin orders ${name}`],
    ['/flow', `ramp orders from ${name}=1`],
    ['/flow', `ramp orders ${name} 1m`],
    ['/flow', `whoami ${name}`],
    ['/flow-resume', name],
    ['/flow-resume', `${name}:orders`],
    ['/flow-resume', `staging:${name}`],
  ];
}

function buttons(name: string): { actionId: string; value: string }[] {
  return [
    { actionId: 'flow_resume', value: name },
    { actionId: 'flow_resume', value: `${name}:orders` },
    { actionId: 'flow_resume#1', value: `prod:${name}` },
    { actionId: ACTION_IDS.status, value: `${name}:orders` },
    { actionId: ACTION_IDS.refresh, value: `staging:${name}` },
    { actionId: ACTION_IDS.pause, value: `${name}:x` },
    { actionId: ACTION_IDS.ramp, value: `${name}:x` },
    { actionId: ACTION_IDS.confirm, value: name },
    { actionId: ACTION_IDS.cancel, value: name },
    { actionId: ACTION_IDS.approve, value: name },
    { actionId: ACTION_IDS.reject, value: name },
    { actionId: ACTION_IDS.rampHold, value: `${name}:orders` },
    { actionId: ACTION_IDS.rampAbort, value: `prod:${name}` },
    { actionId: ACTION_IDS.listRefresh, value: JSON.stringify({ glob: name, environment: name }) },
    { actionId: ACTION_IDS.listRefresh, value: `{"${name}":{"glob":"*"},"glob":"*","environment":null}` },
    { actionId: `flow_${name}`, value: name },
  ];
}

const DOORS = [
  { name: 'one thread', frontDoor: false },
  { name: 'front door thread', frontDoor: true },
] as const;

for (const door of DOORS) {
  describe(`prototype names through the real door (${door.name})`, () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({
        environments: { prod: {}, staging: {} },
        env: { ALERTS_TOKEN, ALERTS_CHANNEL: ALERTS, LOG_LEVEL: 'warn' },
        frontDoor: door.frontDoor,
      });
      h.slack.setChannel(ALERTS);
      for (const emulator of Object.values(h.qstashByEnvironment))
        emulator.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 3 });
    }, 30_000);
    afterAll(async () => {
      await h?.close();
    });

    /** Nothing broke: no error in the log, and no key's state was changed in either environment. */
    function expectNothingBrokeOrChanged(): void {
      const broken = h.logs.entries().filter((entry) => entry.level >= 50);
      expect(broken.map((entry) => `${entry.msg}: ${entry.err?.message ?? ''}`)).toEqual([]);
      for (const emulator of Object.values(h.qstashByEnvironment)) {
        expect(emulator.mutations).toEqual([]);
        expect(emulator.getKey('orders')?.isPaused).toBe(true);
      }
    }

    async function answerTo(command: string, text: string): Promise<string> {
      const ack = await h.command(command, text);
      expect(ack.status, `${command} ${text}`).toBe(200);
      const acked = ack.body === '' ? undefined : (JSON.parse(ack.body) as { text?: string });
      if (acked?.text && !acked.text.startsWith(':hourglass')) return allText(acked);
      const reply = await h.slack.waitForResponse(
        ack.responseUrl,
        (body) => !(typeof body.text === 'string' && body.text.startsWith(':hourglass')),
        8_000,
      );
      return allText(reply);
    }

    it('answers every command naming one clearly, privately, and changes nothing', async () => {
      for (const name of NAMES) {
        for (const [command, text] of commandTexts(name)) {
          const answer = await answerTo(command, text);
          for (const broke of BROKE) expect(answer, `${command} ${text}`).not.toMatch(broke);
          expect(answer.length, `${command} ${text}`).toBeGreaterThan(0);
        }
      }
      // The help topic is the one that used to select Object.prototype's members.
      expect(await answerTo('/flow', 'help constructor')).toContain(
        'Flowbot: QStash flow control from Slack',
      );
      expect(await answerTo('/flow', 'help __proto__')).toContain('/flow status');
      expect(await answerTo('/flow', 'can constructor orders')).toContain('is not an action');
      expect(await answerTo('/flow', 'status constructor:orders')).toContain(
        '`constructor` is not a configured QStash environment',
      );
      expectNothingBrokeOrChanged();
    }, 120_000);

    it('answers every button naming one with 200 and, for its own buttons, a clear private note', async () => {
      for (const name of NAMES) {
        for (const button of buttons(name)) {
          const click = await h.click({ ...button, isEphemeral: true });
          expect(click.status, JSON.stringify(button)).toBe(200);
          const reply = await h.slack.waitForResponse(click.responseUrl, undefined, 8_000);
          const text = allText(reply);
          for (const broke of BROKE) expect(text, JSON.stringify(button)).not.toMatch(broke);
        }
      }
      expectNothingBrokeOrChanged();
    }, 120_000);

    it('answers alert bodies whose fields, labels and values are such names with a clear 4xx or 200', async () => {
      const post = async (path: string, body: string) => {
        const response = await fetch(`${h.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ALERTS_TOKEN}`, 'content-type': 'application/json' },
          body,
        });
        const answer = (await response.json()) as Record<string, unknown>;
        expect([200, 400, 422], `${path} ${body.slice(0, 300)} → ${JSON.stringify(answer)}`).toContain(
          response.status,
        );
        if (response.status !== 200) expect(typeof answer.error).toBe('string');
        return { status: response.status, answer };
      };
      const name = fc.constantFrom(...NAMES);
      const field = fc.oneof(
        name,
        fc.constantFrom('key', 'environment', 'channel', 'status', 'title', 'text', 'severity', 'links'),
      );
      const value = fc.oneof(
        name,
        name.map((n) => `${n}:orders`),
        name.map((n) => `prod:${n}`),
        fc.constant(ALERTS),
        fc.dictionary(name, name, { maxKeys: 2 }),
        fc.array(fc.record({ text: name, url: fc.constant('https://runbooks.example.com/x') }), {
          maxLength: 2,
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.dictionary(field, value, { minKeys: 1, maxKeys: 5 }), async (body) => {
          // JSON.stringify drops a __proto__ key set through an object literal; write it as a sender would.
          const raw = JSON.stringify(body).replace(/^\{/, '{"__proto__":{"key":"polluted"},');
          await post('/alerts', raw);
        }),
        { numRuns: 60 },
      );
      const alertmanager = fc.record({
        labels: fc.dictionary(
          fc.oneof(
            name,
            fc.constantFrom('flow_control_key', 'flow_environment', 'slack_channel', 'alertname'),
          ),
          fc.oneof(name, fc.constant('orders'), fc.constant(ALERTS), fc.constant('prod')),
          { maxKeys: 6 },
        ),
        annotations: fc.dictionary(fc.oneof(name, fc.constantFrom('summary', 'description')), name, {
          maxKeys: 3,
        }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(alertmanager, { minLength: 1, maxLength: 4 }), async (alerts) => {
          const body = {
            version: '4',
            status: 'firing',
            alerts: alerts.map((alert) => ({ status: 'firing', ...alert })),
          };
          const raw = JSON.stringify(body).replaceAll('"labels":{', '"labels":{"__proto__":{"x":"y"},');
          await post('/alerts/alertmanager', raw);
        }),
        { numRuns: 40 },
      );
      // A key that is such a name is a key like any other: the alert is posted for it.
      const posted = await post('/alerts', JSON.stringify({ key: 'constructor', channel: ALERTS }));
      expect(posted).toMatchObject({ status: 200, answer: { ok: true, channel: ALERTS } });
      expect(allText(h.slack.getMessage(ALERTS, String(posted.answer.ts)))).toContain('`prod:constructor`');
      expect(
        (await post('/alerts', '{"key":"orders","environment":"hasOwnProperty"}')).answer.error,
      ).toContain('is not a configured QStash environment');
      expectNothingBrokeOrChanged();
    }, 120_000);
  });
}

describe('prototype names in the environment', () => {
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-1111-prototype',
    SLACK_SIGNING_SECRET: 'ab12cd34ef56ab78cd90ef12ab34cd56',
    QSTASH_TOKEN: 'qstash-token-prototype',
  };
  const VARIABLES = [
    'FLOW_ENVIRONMENTS',
    'FLOW_ALLOWED_USERS',
    'ALERTS_CHANNEL',
    'ALERTS_KEY_LABEL',
    'ALERTS_ENVIRONMENT_LABEL',
    'ALERTS_CHANNEL_LABEL',
    'FLOW_WATCH_KEYS',
    'FLOW_WATCH_ENVIRONMENTS',
    'FLOW_WATCH_INTERVAL',
    'FLOW_WATCH_CHANNEL',
    'FLOW_RATE_LIMIT',
    'FLOW_PAUSE_REMINDER',
    'LOG_LEVEL',
    'PORT',
    'REDIS_URL',
  ];

  it('reads every variable set to such a name into a config or a clear problem, never a crash', () => {
    for (const variable of VARIABLES) {
      for (const name of NAMES) {
        for (const value of [name, name.toLowerCase(), `${name},prod`]) {
          const env = { ...base, FLOW_WATCH_KEYS: 'orders-*', ALERTS_CHANNEL: ALERTS, [variable]: value };
          const loaded = loadConfig(env);
          if (loaded.kind === 'invalid') {
            expect(loaded.problems.length).toBeGreaterThan(0);
            for (const problem of loaded.problems) expect(typeof problem).toBe('string');
          }
        }
      }
    }
  });

  it('refuses label names Prometheus reserves (__…), __proto__ among them', () => {
    const loaded = loadConfig({ ...base, ALERTS_KEY_LABEL: '__proto__' });
    expect(loaded.kind).toBe('invalid');
    if (loaded.kind === 'invalid')
      expect(loaded.problems).toEqual([
        'ALERTS_KEY_LABEL is invalid: a Prometheus label name (letters, digits, _; not starting with __, which Prometheus reserves).',
      ]);
  });

  describe('through the real door', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        environments: { constructor: {}, valueof: {} },
        env: {
          ALERTS_TOKEN,
          ALERTS_CHANNEL: ALERTS,
          ALERTS_KEY_LABEL: 'constructor',
          ALERTS_ENVIRONMENT_LABEL: 'hasOwnProperty',
          ALERTS_CHANNEL_LABEL: 'toString',
        },
      });
      h.slack.setChannel(ALERTS);
      h.qstashByEnvironment.valueof?.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 4 });
    }, 30_000);
    afterAll(async () => {
      await h?.close();
    });

    it('serves environments named after Object.prototype members like any other', async () => {
      const ack = await h.command('/flow', 'status valueof:orders');
      const reply = await h.slack.waitForResponse(ack.responseUrl, undefined, 8_000);
      expect(allText(reply)).toContain('paused');
      const missing = await h.command('/flow', 'status constructor:orders');
      expect(allText(await h.slack.waitForResponse(missing.responseUrl, undefined, 8_000))).toContain(
        'no flow-control key by that name',
      );
      const unknown = await h.command('/flow', 'status tostring:orders');
      expect(allText(JSON.parse(unknown.body))).toContain(
        '`tostring` is not a configured QStash environment',
      );
    });

    it('reads Alertmanager labels named after Object.prototype members as labels, not inherited members', async () => {
      const post = async (labels: Record<string, string>) => {
        const response = await fetch(`${h.url}/alerts/alertmanager`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ALERTS_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels, annotations: {} }] }),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const named = await post({ alertname: 'Paused', constructor: 'orders', hasOwnProperty: 'valueof' });
      expect(named.status).toBe(200);
      expect(named.body).toMatchObject({ ok: true, channel: ALERTS });
      expect(allText(h.slack.getMessage(ALERTS, String(named.body.ts)))).toContain('`valueof:orders`');
      // Without the labels, nothing is inherited in their place: the alert is skipped, and says why.
      const bare = await post({ alertname: 'Bare' });
      expect(bare).toEqual({
        status: 200,
        body: { results: [], skipped: ['Bare: no constructor label'], skippedAlerts: 1 },
      });
      // The channel label is read too (it is the alert's own, not Object.prototype.toString).
      const elsewhere = await post({ alertname: 'Own', constructor: 'queue', toString: 'CELSEWHERE' });
      expect(elsewhere).toMatchObject({ status: 200, body: { ok: true, channel: 'CELSEWHERE' } });
    });
  });
});
