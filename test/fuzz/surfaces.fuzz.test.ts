import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOptionsAnswer } from '../../stand-ins/slack-views.js';
import {
  ALLOWED_USER,
  GROUP_MEMBER,
  type Harness,
  STRANGER,
  startHarness,
} from '../support/flowbot-harness.js';
import { ended, type FormInput, MODAL_BLOCK_IDS, surfaces } from '../support/surfaces.js';
import { HOSTILE_VALID_KEYS, INVALID_KEYS } from '../unit/hostile.js';

const seedSetting = process.env.FUZZ_SEED ?? '20261130';
if (seedSetting !== 'random') fc.configureGlobal({ seed: Number(seedSetting) });

/**
 * Generated input to the Slack surfaces through the front door, as `npm start` runs: typing in the key picker,
 * modal submissions, message shortcuts on any message, workflow steps with any inputs, Home tabs for anyone.
 * Whatever arrives, Slack gets a 200 with an answer it can use, QStash only sees flow-control routes, every
 * modal Flowbot opens is one Slack would open, and every workflow step ends.
 */

const QSTASH_ROUTE = /^\/v2\/flowControl(\/[^/]+(\/(pause|resume|pin|unpin|resetRate))?)?$/;

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_VALID_KEYS, ...INVALID_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('prod:orders-eu', 'staging:', 'nowhere:x', '<!channel>', '`x`', '&amp;'),
  },
  // mrkdwn control sequences, raw and as Slack encodes typed text, around a key.
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.constantFrom(
          '<!channel>',
          '<!here|here>',
          '<!subteam^S0HOSTILE|@team>',
          '<@U0HOSTILE>',
          '<https://evil.example|click>',
          '<mailto:x@evil.example|m>',
          '&lt;!everyone&gt;',
          '`orders-eu`',
          'flow_control_key=<!here>',
          '*b* _i_ ~s~ &',
        ),
        { maxLength: 6 },
      )
      .map((parts) => parts.join(' ')),
  },
);

/** Markup that would ping or link: none may be live in a view Flowbot sends. */
const LIVE = /<!channel|<!here|<!everyone|<!subteam|<@U0HOSTILE|<https:\/\/evil|<mailto:/;

/** Every mrkdwn text of a view. */
function mrkdwnTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(mrkdwnTexts);
  if (!node || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  if (object.type === 'mrkdwn' && typeof object.text === 'string') return [object.text];
  return Object.values(object).flatMap(mrkdwnTexts);
}

function expectNoLiveMarkup(view: unknown): void {
  for (const text of mrkdwnTexts(view)) expect(LIVE.exec(text)?.[0], text.slice(0, 300)).toBeUndefined();
}
const user = fc.constantFrom(ALLOWED_USER, GROUP_MEMBER, STRANGER, 'W0ENTERPR1');

describe('generated input to the Slack surfaces (front door)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      environments: { prod: {}, staging: {} },
      env: { LOG_LEVEL: 'warn' },
      frontDoor: true,
      flowbot: { homes: { debounceMs: 10, spacingMs: 0, rebuildEveryMs: 0 }, workflowStepTimeoutMs: 5_000 },
    });
    for (const emulator of Object.values(h.qstashByEnvironment)) {
      for (const key of ['orders-eu', 'a/b', 'tenant:42', ...HOSTILE_VALID_KEYS.slice(0, 8)])
        emulator.setKey({ flowControlKey: key, isPaused: true, waitListSize: 7 });
    }
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  function expectOnlyFlowControlRoutes(): void {
    for (const emulator of Object.values(h.qstashByEnvironment)) {
      // The startup readiness check reads global parallelism; everything else is a flow-control route.
      for (const request of emulator.requests)
        if (request.rawPath !== '/v2/globalParallelism') expect(request.rawPath).toMatch(QSTASH_ROUTE);
    }
  }

  it('answers the key picker with options Slack can show, whatever is typed, by anyone', async () => {
    const s = surfaces(h);
    await fc.assert(
      fc.asyncProperty(text, user, async (typed, who) => {
        const answer = await s.suggest(typed, { user: who });
        expect(answer.status).toBe(200);
        expect(checkOptionsAnswer(JSON.parse(answer.body))).toEqual([]);
        if (who === STRANGER) expect(answer.options).toEqual([]);
      }),
      { numRuns: 40 },
    );
    expectOnlyFlowControlRoutes();
  }, 90_000);

  it('acknowledges every modal submission with nothing or errors on its own inputs', async () => {
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const form: fc.Arbitrary<FormInput> = fc.record(
      {
        key: text,
        action: fc.constantFrom('status', 'resume', 'pause', 'ramp', 'pin', 'unpin', 'reset-rate', 'x'),
        reason: text,
        duration: text,
        parallelism: text,
        rate: text,
        period: text,
        unpin: text,
        rampMode: text,
        rampFrom: text,
        rampOver: text,
      },
      { requiredKeys: ['key', 'action'] },
    );
    await fc.assert(
      fc.asyncProperty(form, user, async (input, who) => {
        const submitted = await s.submit(view, input, { user: who });
        expect(submitted.status).toBe(200);
        if (submitted.body !== '') {
          expect(submitted.ackBody.response_action).toBe('errors');
          for (const id of Object.keys(submitted.ackBody.errors)) expect(MODAL_BLOCK_IDS.has(id)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
    expectOnlyFlowControlRoutes();
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('opens a modal Slack accepts from a message shortcut on any message', async () => {
    const s = surfaces(h);
    const message = fc.record({
      text,
      blocks: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('section'), text: fc.record({ type: fc.constant('mrkdwn'), text }) }),
          fc.record({
            type: fc.constant('actions'),
            elements: fc.array(
              fc.record({
                type: fc.constant('button'),
                action_id: fc.constantFrom('flow_resume', 'flow_status', 'x'),
                value: text,
              }),
              { maxLength: 3 },
            ),
          }),
          fc.anything({ maxDepth: 3 }),
        ),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(message, user, async (shown, who) => {
        // The fake Slack refuses a modal Slack would refuse; the helper fails when views.open is refused.
        const { ack, view } = await s.messageShortcut(shown as Record<string, unknown>, { user: who });
        expect(ack.status).toBe(200);
        // Whatever the message said, nothing of it is live markup in the modal.
        expectNoLiveMarkup(view.blocks);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('ends every workflow step, whatever its inputs', async () => {
    const s = surfaces(h);
    const inputs = fc.record({
      key: fc.oneof(text, fc.anything({ maxDepth: 1 })),
      user: fc.oneof(
        fc.record({ id: fc.oneof(user, text), secret: fc.string() }),
        user,
        fc.anything({ maxDepth: 1 }),
      ),
      reason: fc.oneof(text, fc.anything({ maxDepth: 1 })),
      minutes: fc.oneof(fc.integer({ min: -5, max: 20_000 }), text, fc.double()),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('resume_flow_key', 'pause_flow_key', 'get_flow_key'),
        inputs,
        async (step, given) => {
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(JSON.stringify(given));
          } catch {
            return;
          }
          const execution = await s.step(step, json, 15_000);
          expect(execution.status).not.toBe('running');
          expect((await ended(h, execution.functionExecutionId)).completions).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30 },
    );
    expectOnlyFlowControlRoutes();
  }, 180_000);

  it('publishes a Home Slack accepts for anyone', async () => {
    const s = surfaces(h);
    for (const who of [ALLOWED_USER, GROUP_MEMBER, STRANGER, 'W0ENTERPR1']) {
      const published = s.waitForHome(who);
      expect((await s.homeOpened(who)).status).toBe(200);
      await published;
    }
    for (const call of h.slack.callsTo('views.publish')) {
      expect(call.response?.ok).toBe(true);
      expectNoLiveMarkup(call.params.view);
    }
  }, 60_000);
});
