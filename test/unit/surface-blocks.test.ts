import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HomeSnapshot } from '../../src/core/catalog/home-snapshot.js';
import { parseStepInputs } from '../../src/core/commands/step-inputs.js';
import { checkKey, formatKeyRef, type KeyRef } from '../../src/core/keys.js';
import { QStashError } from '../../src/core/qstash/errors.js';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import { homeView, MAX_HOME_BLOCKS } from '../../src/slack/blocks/home.js';
import {
  keyOptions,
  keyOptionValue,
  readKeyOptionValue,
  resolveKeyHandle,
} from '../../src/slack/blocks/key-options.js';
import {
  flowControlModal,
  formErrors,
  MODAL_ACTIONS,
  noAccessModal,
  readModalMetadata,
} from '../../src/slack/blocks/modal.js';
import { stepErrorForChange } from '../../src/slack/blocks/workflow.js';
import { readFlowControlForm } from '../../src/slack/commands/flow-form.js';
import { checkOptionsAnswer, checkView } from '../../stand-ins/slack-views.js';
import { formValues, MODAL_BLOCK_IDS } from '../support/surfaces.js';

/** The modal's submission read as the listener and the front door read it: the form, or errors per input. */
function parseFlowControlForm(view: unknown, environments: typeof ENVIRONMENTS) {
  const read = readFlowControlForm(view, environments);
  return read.kind === 'ok'
    ? { ok: true as const, form: { ...read.form, key: read.key } }
    : { ok: false as const, errors: formErrors(read.problems, read.keyProblem).errors };
}

const ONE = { environmentCount: 1 };
const ENVIRONMENTS = { names: ['default'], defaultName: 'default' };
const HOSTILE = '<!channel>&`*_~<@U1>:skull:';

/** Every mrkdwn text in a view (plain_text shows as typed: Slack reads no markup there). */
function mrkdwnTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(mrkdwnTexts);
  if (!node || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  if (object.type === 'mrkdwn' && typeof object.text === 'string') return [object.text];
  return Object.values(object).flatMap(mrkdwnTexts);
}

/** Markup that would ping, link or mention: only Flowbot's own `<!date…>`, `<@U…>` and `<#C…>` may appear. */
function foreignMarkup(texts: readonly string[]): string[] {
  return texts
    .flatMap((text) => [...text.matchAll(/<[^>]*>/g)].map((match) => match[0]))
    .filter(
      (token) =>
        !/^<!date\^\d+\^[^|>]*\|[^>]*>$/.test(token) &&
        !/^<@U[A-Z0-9]+>$/.test(token) &&
        !/^<#C[A-Z0-9]+>$/.test(token),
    );
}

function state(name: string, fields: Partial<FlowKeyState> = {}): FlowKeyState {
  return {
    key: name,
    waitlistSize: 12_340,
    paused: true,
    parallelismMax: 10,
    parallelismCount: 0,
    rateMax: 50,
    rateCount: 3,
    ratePeriod: 60,
    ratePeriodStart: undefined,
    pinnedParallelism: false,
    pinnedRate: false,
    ...fields,
  };
}

/** The most a Home can be asked to show: hundreds of hostile 256-character keys and as much else as fits. */
function maximalSnapshot(): HomeSnapshot {
  const keyName = (i: number) => `${HOSTILE}${i}`.padEnd(256, '&');
  const target = (i: number): KeyRef => ({ environment: 'default', key: keyName(i) });
  const plan = {
    mode: 'rate' as const,
    values: [5, 10, 50],
    stepSeconds: 60,
    period: 1,
    prior: {
      pinnedRate: false,
      pinnedParallelism: false,
      rateMax: undefined,
      ratePeriod: undefined,
      parallelismMax: undefined,
    },
    waitlistAtStart: 9,
    drainSeconds: 10,
  };
  return {
    userId: 'U123',
    grants: [
      {
        rule: HOSTILE.repeat(20),
        effect: 'allow',
        actions: ['*'],
        keys: [HOSTILE],
        environments: ['*'],
        channels: ['C1'],
      },
    ],
    uncertain: true,
    hasAccess: true,
    attention: Array.from({ length: 300 }, (_, i) => ({
      ref: target(i),
      state: state(keyName(i), { paused: i % 2 === 0 }),
    })),
    visibleCount: 5_000,
    pausedCount: 150,
    environments: [
      {
        environment: 'default',
        fetchedAt: Date.now(),
        error: new QStashError({ kind: 'unavailable', detail: HOSTILE, status: 503, attempts: 4 }),
      },
    ],
    ramps: Array.from({ length: 50 }, (_, i) => ({
      id: `r${i}`,
      target: target(i),
      startedBy: 'U1',
      channelId: 'C1',
      plan,
      stepIndex: 1,
      status: 'running' as const,
      nextAt: 0,
      startedAt: 0,
      history: [],
      failures: 0,
    })),
    timedPauses: Array.from({ length: 50 }, (_, i) => ({
      id: `t${i}`,
      kind: 'resume' as const,
      target: target(i),
      channelId: 'C1',
      actorId: 'U1',
      pausedAt: 0,
      dueAt: Date.now() + 60_000,
      reason: HOSTILE.repeat(30),
    })),
    approvals: Array.from({ length: 40 }, (_, i) => ({
      id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      requesterId: 'U2',
      channelId: 'C1',
      change: { action: 'pause' as const, target: target(i), reason: HOSTILE.repeat(40) },
      rule: HOSTILE,
      createdAt: 0,
      expiresAt: Date.now() + 60_000,
    })),
    ownRequests: [],
    recent: Array.from({ length: 25 }, (_, i) => ({
      at: Date.now(),
      actorId: 'U1',
      action: 'resume' as const,
      target: target(i),
      source: HOSTILE,
    })),
    at: Date.now(),
  };
}

describe('Home tab view', () => {
  it('stays within Slack’s limits and escapes everything, however much there is', () => {
    const view = homeView(maximalSnapshot(), ONE);
    expect(view.blocks.length).toBeLessThanOrEqual(MAX_HOME_BLOCKS);
    expect(checkView(view, 'home')).toBeUndefined();
    expect(foreignMarkup(mrkdwnTexts(view.blocks))).toEqual([]);
    expect(mrkdwnTexts(view.blocks).join('\n')).not.toContain('<@U1>:');
    expect(JSON.stringify(view.blocks)).toContain('…and 280 more keys');
  });

  it('says how long each delivering key with a waitlist takes to drain, and nothing of the kind for a paused one', () => {
    const at = Date.UTC(2026, 11, 1, 12);
    const view = homeView(
      {
        ...maximalSnapshot(),
        attention: [
          { ref: { environment: 'default', key: 'orders-paused' }, state: state('orders-paused') },
          {
            ref: { environment: 'default', key: 'orders-busy' },
            state: state('orders-busy', { paused: false }),
          },
          {
            ref: { environment: 'default', key: 'orders-norate' },
            state: state('orders-norate', { paused: false, rateMax: undefined, ratePeriod: undefined }),
          },
        ],
        at,
      },
      ONE,
    );
    const blockOf = (key: string) =>
      mrkdwnTexts(view.blocks).find((text) => text.includes(`\`${key}\``)) ?? '';
    // 12,340 waiting at 50 a minute: about 4 hours.
    expect(blockOf('orders-busy')).toContain('Time to drain: about 4h 6m at the current rate');
    expect(blockOf('orders-norate')).toContain('Time to drain: unknown: no rate set');
    expect(blockOf('orders-paused')).not.toContain('Time to drain');
  });

  it('tells someone without access how to get it, naming no key, whatever the snapshot holds', () => {
    const view = homeView({ ...maximalSnapshot(), hasAccess: false }, ONE);
    expect(checkView(view, 'home')).toBeUndefined();
    const json = JSON.stringify(view);
    expect(json).toContain('U123');
    expect(json).not.toContain('&amp;&amp;');
    expect(json).not.toContain(HOSTILE.slice(0, 5));
  });
});

describe('Flow control modal', () => {
  it('is a valid modal for every action, prefilled with the longest hostile keys', () => {
    for (const action of MODAL_ACTIONS) {
      for (const environmentCount of [1, 3]) {
        const ref = { environment: 'staging', key: HOSTILE.padEnd(256, '`') };
        const view = flowControlModal(
          {
            action,
            key: { ref, state: state(ref.key) },
            alsoFound: Array(30).fill(HOSTILE.padEnd(256, 'x')),
          },
          { origin: 'message', channelId: 'C0INCIDENTS' },
          { environmentCount },
        );
        expect(checkView(view, 'modal'), `${action} ${environmentCount}`).toBeUndefined();
        expect(foreignMarkup(mrkdwnTexts(view.blocks))).toEqual([]);
      }
    }
    expect(checkView(noAccessModal('U123'), 'modal')).toBeUndefined();
  });

  it('reads its metadata back, and nothing foreign from it', () => {
    expect(readModalMetadata(JSON.stringify({ origin: 'command', channelId: 'C0INCIDENTS' }))).toEqual({
      origin: 'command',
      channelId: 'C0INCIDENTS',
    });
    expect(readModalMetadata('{"origin":"__proto__","channelId":"<!here>"}')).toEqual({ origin: 'shortcut' });
    expect(readModalMetadata('not json')).toEqual({ origin: 'shortcut' });
    expect(readModalMetadata('x'.repeat(5_000))).toEqual({ origin: 'shortcut' });
  });

  it('understands every submission or names the input at fault, never throwing', () => {
    const text = fc.option(fc.string({ maxLength: 300, unit: 'binary' }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          key: text,
          action: fc.option(fc.constantFrom(...MODAL_ACTIONS, 'explode', ''), { nil: undefined }),
          channel: fc.option(fc.constantFrom('C0INCIDENTS', 'nope', '', 'G12345'), { nil: undefined }),
          reason: text,
          duration: text,
          parallelism: text,
          rate: text,
          period: text,
          unpin: text,
          rampMode: text,
          rampFrom: text,
          rampOver: text,
        }),
        (input) => {
          const parsed = parseFlowControlForm({ state: { values: formValues(input) } }, ENVIRONMENTS);
          if (parsed.ok) {
            expect(parsed.form.channelId).toMatch(/^[CGD][A-Z0-9]+$/);
            if (parsed.form.key.kind === 'key') expect(checkKey(parsed.form.key.ref.key).kind).toBe('ok');
            parsed.form.command({ environment: 'default', key: 'k' });
          } else {
            expect(Object.keys(parsed.errors).length).toBeGreaterThan(0);
            for (const id of Object.keys(parsed.errors)) expect(MODAL_BLOCK_IDS.has(id)).toBe(true);
          }
        },
      ),
    );
    expect(parseFlowControlForm(undefined, ENVIRONMENTS).ok).toBe(false);
    expect(
      parseFlowControlForm({ state: { values: { flow_key: { flow_key: null } } } }, ENVIRONMENTS).ok,
    ).toBe(false);
  });

  it('makes the same requests /flow would', () => {
    const parse = (input: Parameters<typeof formValues>[0]) => {
      const parsed = parseFlowControlForm(
        { state: { values: formValues({ channel: 'C0INCIDENTS', ...input }) } },
        ENVIRONMENTS,
      );
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.form.command({ environment: 'default', key: 'k' });
    };
    expect(parse({ key: 'k', action: 'pause', reason: 'deploy', duration: '15 m' })).toEqual({
      kind: 'pause',
      target: { environment: 'default', key: 'k' },
      reason: 'deploy',
      forSeconds: 900,
    });
    expect(parse({ key: 'k', action: 'pin', rate: '50', period: '1m' })).toMatchObject({
      settings: { rate: 50, period: 60 },
    });
    expect(parse({ key: 'k', action: 'unpin', unpin: 'rate' })).toMatchObject({
      settings: { parallelism: false, rate: true },
    });
    expect(
      parse({ key: 'k', action: 'ramp', rampMode: 'rate', rampFrom: '5', rampOver: '30m' }),
    ).toMatchObject({
      mode: 'rate',
      from: 5,
      overSeconds: 1_800,
    });
  });
});

describe('key picker options', () => {
  it('fit Slack’s option limits and read back to the same key, long keys through a handle', () => {
    const validKey = fc
      .string({ minLength: 1, maxLength: 256, unit: 'grapheme' })
      .filter((key) => checkKey(key).kind === 'ok');
    fc.assert(
      fc.property(
        fc.array(validKey, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 3 }),
        (keys, environmentCount) => {
          const naming = { environmentCount };
          const environments = {
            names: ['prod', 'staging', 'dev'].slice(0, environmentCount),
            defaultName: 'prod',
          };
          const refs = keys.map((key) => ({ environment: 'prod', key }));
          const answer = keyOptions(
            refs.map((ref) => ({ ref, state: undefined })),
            naming,
          );
          expect(checkOptionsAnswer(answer)).toEqual([]);
          for (const ref of refs.slice(0, 100)) {
            const value = keyOptionValue(ref, naming);
            const read = readKeyOptionValue(value, environments);
            if (read.kind === 'handle')
              expect(resolveKeyHandle(read.handle, refs, naming)).toEqual(
                refs.find((r) => formatKeyRef(r, environmentCount) === formatKeyRef(ref, environmentCount)),
              );
            else expect(read).toEqual({ kind: 'key', ref });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('workflow step inputs and words', () => {
  it('takes only the person running the workflow as the user', () => {
    const base = { key: 'orders-eu' };
    expect(parseStepInputs('resume', { ...base, user: { id: 'U123', secret: 's' } }, ENVIRONMENTS).kind).toBe(
      'ok',
    );
    for (const user of ['U123', { id: '<!here>' }, { id: 42 }, null, [], { secret: 'x' }])
      expect(parseStepInputs('resume', { ...base, user }, ENVIRONMENTS)).toMatchObject({
        kind: 'invalid',
        problem: { code: 'no_user' },
      });
  });

  it('never throws on any inputs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('resume', 'pause', 'get') as fc.Arbitrary<'resume' | 'pause' | 'get'>,
        fc.anything(),
        (kind, inputs) => {
          parseStepInputs(kind, inputs, ENVIRONMENTS);
        },
      ),
    );
  });

  it('says plainly why a change was not made, bounded', () => {
    const target = { environment: 'default', key: 'x'.repeat(256) };
    const error = stepErrorForChange(
      {
        kind: 'refused',
        action: 'resume',
        target,
        refusal: { code: 'approval_required', rule: 'y'.repeat(5_000) },
      },
      ONE,
    );
    expect(error.length).toBeLessThanOrEqual(1_000);
    expect(error).toMatch(/^Flowbot did not resume "x+…"/);
  });
});
