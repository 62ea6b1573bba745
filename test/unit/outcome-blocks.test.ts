import { describe, expect, it } from 'vitest';
import { FLOW_ACTIONS, type FlowAction } from '../../src/core/access/types.js';
import type { KeyRef } from '../../src/core/keys.js';
import type { Outcome } from '../../src/core/operations/outcome.js';
import { QStashError, type QStashErrorKind } from '../../src/core/qstash/errors.js';
import {
  actionVerb,
  type DoneFacts,
  doneMessage,
  duplicateMessage,
  failedMessage,
  keyLabel,
  problemMessage,
  refusedMessage,
} from '../../src/slack/blocks/outcome.js';
import type { SlackMessage } from '../../src/slack/blocks/types.js';
import { flowResumeUsage, keyProblem } from '../../src/slack/blocks/usage.js';
import { allStrings, keyState } from './fixtures.js';
import { HOSTILE_VALID_KEYS } from './hostile.js';

const ONE = { environmentCount: 1 };
const TWO = { environmentCount: 2 };
const ACTOR = 'U0ALICE';
const orders: KeyRef = { environment: 'prod', key: 'orders' };

type Done = DoneFacts;
type Failed = Extract<Outcome, { kind: 'failed' }>;

const done = (overrides: Partial<Done> = {}): Done => ({
  action: 'pause',
  target: orders,
  actorId: ACTOR,
  before: undefined,
  after: undefined,
  at: new Date('2024-03-01T12:00:00Z'),
  ...overrides,
});

const failed = (
  kind: QStashErrorKind,
  overrides: Partial<Failed> = {},
  detail = '',
  attempts = 1,
): Failed => ({
  kind: 'failed',
  action: 'resume',
  target: orders,
  error: new QStashError({ kind, detail, attempts }),
  ...overrides,
});

function sectionText(message: SlackMessage, index = 0): string {
  const block = message.blocks[index] as { type: string; text?: { text: string } };
  expect(block.type).toBe('section');
  return block.text?.text ?? '';
}

function contextText(message: SlackMessage, index = 1): string {
  const block = message.blocks[index] as { type: string; elements: { text: string }[] };
  expect(block.type).toBe('context');
  return block.elements[0]?.text ?? '';
}

/** Every string a message carries, with Flowbot's own legitimate markup (the actor's mention) removed. */
function markupFree(message: SlackMessage): string {
  return allStrings(message).join('\n').replaceAll(`<@${ACTOR}>`, '');
}

function expectNoMarkup(message: SlackMessage, label: string) {
  const text = markupFree(message);
  expect(text, label).not.toContain('<!');
  expect(text, label).not.toContain('<');
  expect(text, label).not.toContain('>');
}

/** Slack refuses section texts over 3,000 characters and message texts over 40,000. */
function expectSectionLimits(message: SlackMessage) {
  for (const block of message.blocks) {
    const text = (block as { text?: { text?: string } }).text?.text;
    if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3_000);
  }
  expect(message.text.length).toBeLessThanOrEqual(40_000);
}

describe('keyLabel and actionVerb', () => {
  it('labels a key as code, with its environment when there are several', () => {
    expect(keyLabel(orders, ONE)).toBe('`orders`');
    expect(keyLabel(orders, TWO)).toBe('`prod:orders`');
    expect(keyLabel({ environment: 'prod', key: '<!channel>`' }, TWO)).toBe('`prod:&lt;!channel&gt;ˋ`');
  });

  it('has a verb for every action', () => {
    expect(FLOW_ACTIONS.map((action) => actionVerb(action))).toEqual([
      'check',
      'list',
      'pause',
      'resume',
      'pin',
      'unpin',
      'reset the rate of',
      'approve',
      'ramp',
      'act on every key matching',
    ]);
  });
});

describe('doneMessage', () => {
  it('names the actor and the key, publicly', () => {
    const message = doneMessage(done(), ONE);
    expect(message.text).toBe('<@U0ALICE> paused orders');
    expect(message.blocks).toHaveLength(2);
    expect(sectionText(message)).toBe(':double_vertical_bar: <@U0ALICE> paused `orders`.');
    expect(contextText(message)).toBe('_Current state unavailable: QStash did not say._');
  });

  it('uses the env-prefixed key with several environments', () => {
    const message = doneMessage(done({ action: 'unpin' }), TWO);
    expect(message.text).toBe('<@U0ALICE> unpinned prod:orders');
    expect(sectionText(message)).toBe(':pushpin: <@U0ALICE> unpinned `prod:orders`.');
  });

  it('uses a past tense and emoji for every action', () => {
    const expected: Record<FlowAction, string> = {
      status: ':white_check_mark: <@U0ALICE> checked `orders`.',
      list: ':white_check_mark: <@U0ALICE> listed `orders`.',
      pause: ':double_vertical_bar: <@U0ALICE> paused `orders`.',
      resume: ':arrow_forward: <@U0ALICE> resumed `orders`.',
      pin: ':pushpin: <@U0ALICE> pinned `orders`.',
      unpin: ':pushpin: <@U0ALICE> unpinned `orders`.',
      'reset-rate': ':arrows_counterclockwise: <@U0ALICE> reset the rate of `orders`.',
      approve: ':white_check_mark: <@U0ALICE> approved `orders`.',
      ramp: ':white_check_mark: <@U0ALICE> started a ramp on `orders`.',
      bulk: ':white_check_mark: <@U0ALICE> acted on every key matching `orders`.',
    };
    for (const action of FLOW_ACTIONS)
      expect(sectionText(doneMessage(done({ action }), ONE))).toBe(expected[action]);
  });

  it('shows the state after the change', () => {
    const message = doneMessage(done({ after: keyState({ paused: true, waitlistSize: 3 }) }), ONE);
    expect(contextText(message)).toBe('*Now:* :double_vertical_bar: *paused* · 3 waiting');
  });

  it('says what a resume released', () => {
    const released = doneMessage(
      done({ action: 'resume', before: keyState({ paused: true, waitlistSize: 12_340 }) }),
      ONE,
    );
    expect(sectionText(released)).toBe(
      ':arrow_forward: <@U0ALICE> resumed `orders`. 12,340 waiting messages released to delivery.',
    );
    const notPaused = doneMessage(done({ action: 'resume', before: keyState({ paused: false }) }), ONE);
    expect(sectionText(notPaused)).toContain('It was not paused; delivery continues as before.');
    const pause = doneMessage(
      done({ action: 'pause', before: keyState({ paused: true, waitlistSize: 5 }) }),
      ONE,
    );
    expect(sectionText(pause)).toBe(':double_vertical_bar: <@U0ALICE> paused `orders`.');
  });

  it('quotes the reason, escaped', () => {
    const message = doneMessage(done({ reason: 'deploy <!channel> & rollback' }), ONE);
    expect(sectionText(message)).toBe(
      ':double_vertical_bar: <@U0ALICE> paused `orders`.\n>deploy &lt;!channel&gt; &amp; rollback',
    );
  });

  it('never mentions an actor whose ID is not a user ID', () => {
    const message = doneMessage(done({ actorId: '<!channel>' }), ONE);
    expect(message.text).toBe('&lt;!channel&gt; paused orders');
    expectNoMarkup(message, 'actor');
  });

  it('never lets a hostile key produce markup, in any environment naming', () => {
    for (const key of HOSTILE_VALID_KEYS) {
      for (const naming of [ONE, TWO]) {
        const message = doneMessage(done({ action: 'resume', target: { environment: 'prod', key } }), naming);
        expectNoMarkup(message, key);
        expectSectionLimits(message);
        expect(message.text.startsWith('<@U0ALICE> resumed ')).toBe(true);
      }
    }
  });

  it('keeps a backtick key inside one code span', () => {
    const message = doneMessage(done({ target: { environment: 'prod', key: 'a`b``c' } }), ONE);
    expect(sectionText(message)).toBe(':double_vertical_bar: <@U0ALICE> paused `aˋbˋˋc`.');
  });
});

describe('refusedMessage', () => {
  it('tells the person what they cannot do and why', () => {
    const message = refusedMessage(
      {
        action: 'reset-rate',
        target: orders,
        refusal: { code: 'not_granted', action: 'reset-rate', scope: 'not_listed', onKey: true },
      },
      TWO,
    );
    expect(message.text).toBe(
      ':no_entry: You can’t reset the rate of `prod:orders`. You are not on Flowbot’s access list. Ask your Flowbot admin to add you or one of your user groups.',
    );
    expect(sectionText(message)).toBe(message.text);
  });

  it('escapes the explanation and the key', () => {
    for (const key of HOSTILE_VALID_KEYS) {
      const message = refusedMessage(
        {
          action: 'pause',
          target: { environment: 'prod', key },
          // The one free text a refusal carries: an approval rule's name, from the policy file.
          refusal: { code: 'approval_required', rule: '<!here> <@U0BOB> nope' },
        },
        ONE,
      );
      expectNoMarkup(message, key);
      expectSectionLimits(message);
    }
  });
});

describe('failedMessage', () => {
  it('says nothing changed when the failure is certain', () => {
    for (const kind of ['not_found', 'unauthorized', 'bad_request'] as const) {
      const message = failedMessage(failed(kind), ONE);
      expect(message.text, kind).toMatch(
        /^:warning: Couldn’t resume `orders`: QStash .*\. Nothing was changed\.$/,
      );
      expect(sectionText(message)).toBe(message.text);
    }
  });

  it('says it may have applied when the failure is uncertain, and how to check', () => {
    for (const kind of ['timeout', 'unavailable', 'invalid_response'] as const) {
      const message = failedMessage(failed(kind), TWO);
      expect(message.text, kind).toContain(
        'QStash may or may not have applied it; check with `/flow status prod:orders` before trying again.',
      );
    }
    // A 429 is a refusal, unless an earlier attempt of the same call ended without an answer.
    const afterTimeout = failedMessage(
      {
        kind: 'failed',
        action: 'resume',
        target: { environment: 'prod', key: 'orders' },
        error: new QStashError({
          kind: 'rate_limited',
          status: 429,
          attempts: 2,
          earlierAttemptUncertain: true,
        }),
      },
      TWO,
    );
    expect(afterTimeout.text).toContain(
      'QStash may or may not have applied it; check with `/flow status prod:orders` before trying again.',
    );
  });

  it('says nothing was changed after a 429: QStash applies nothing it rate-limits', () => {
    expect(failedMessage(failed('rate_limited'), TWO).text).toContain('Nothing was changed.');
  });

  it('spells the whole message out for a timeout', () => {
    expect(failedMessage(failed('timeout', { action: 'pause' }, '', 3), ONE).text).toBe(
      ':warning: Couldn’t pause `orders`: QStash did not answer in time after 3 tries. QStash may or may not have applied it; check with `/flow status orders` before trying again.',
    );
  });

  it('keeps hostile keys escaped and inside code spans, also in the /flow status hint', () => {
    const message = failedMessage(
      failed('timeout', { target: { environment: 'prod', key: '<!channel>`x' } }),
      TWO,
    );
    expect(message.text).toContain('`prod:&lt;!channel&gt;ˋx`');
    expect(message.text).toContain('`/flow status prod:&lt;!channel&gt;ˋx`');
    for (const key of HOSTILE_VALID_KEYS) {
      for (const kind of ['timeout', 'not_found'] as const) {
        const m = failedMessage(failed(kind, { target: { environment: 'prod', key } }), TWO);
        expectNoMarkup(m, key);
        expectSectionLimits(m);
      }
    }
  });

  it('never includes a token that QStash echoed for an auth failure', () => {
    const message = failedMessage(failed('unauthorized', {}, 'bad token FAKEQSTASHTOKENxyz123'), ONE);
    expect(message.text).not.toContain('FAKEQSTASHTOKENxyz123');
  });

  // BUG (src/slack/blocks/outcome.ts, failedMessage: `const reason = describeQStashError(outcome.error)` is put
  // into the mrkdwn text unescaped). For bad_request, describeQStashError quotes QStash's own error text,
  // which commonly echoes the (valid, user-chosen) key. Input: QStashError('bad_request',
  // 'invalid flow control key <!channel>', 400, 1). Expected: '&lt;!channel&gt;' in the ephemeral reply;
  // actual: a raw '<!channel>' that Slack renders as a channel-wide mention.
  it('escapes QStash’s own words (which may echo a hostile key)', () => {
    const message = failedMessage(
      failed(
        'bad_request',
        { target: { environment: 'prod', key: '<!channel>' } },
        'invalid flow control key <!channel>',
      ),
      ONE,
    );
    expectNoMarkup(message, 'detail');
  });
});

describe('duplicateMessage', () => {
  it('names who already acted', () => {
    const message = duplicateMessage(
      { kind: 'duplicate', action: 'resume', target: orders, holderId: 'U0BOB' },
      TWO,
    );
    expect(message.text).toBe(
      ':hourglass_flowing_sand: <@U0BOB> already asked to resume `prod:orders` from this message; Flowbot acts on it once.',
    );
    expect(sectionText(message)).toBe(message.text);
  });

  it('does not mention a holder that is not a user ID (e.g. the store’s "someone")', () => {
    const message = duplicateMessage(
      {
        kind: 'duplicate',
        action: 'resume',
        target: { environment: 'p', key: '<!here>' },
        holderId: 'someone',
      },
      ONE,
    );
    expect(message.text).toBe(
      ':hourglass_flowing_sand: someone already asked to resume `&lt;!here&gt;` from this message; Flowbot acts on it once.',
    );
    expectNoMarkup(
      duplicateMessage({ kind: 'duplicate', action: 'pause', target: orders, holderId: '<!channel>' }, ONE),
      'h',
    );
  });
});

describe('problemMessage', () => {
  it('escapes the problem and appends the hint on its own line', () => {
    expect(problemMessage('Bad <!channel> & worse').text).toBe(':warning: Bad &lt;!channel&gt; &amp; worse');
    const message = problemMessage('No key.', 'Usage: `/flow-resume KEY`');
    expect(message.text).toBe(':warning: No key.\nUsage: `/flow-resume KEY`');
    expect(message.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: message.text } }]);
  });

  it('handles empty and huge problems', () => {
    expect(problemMessage('').text).toBe(':warning: ');
    expect(problemMessage('<'.repeat(10_000)).text).not.toContain('<');
  });
});

describe('usage messages', () => {
  it('shows the single-environment usage', () => {
    const message = flowResumeUsage(['default']);
    expect(message.text).toBe(
      '*Resume a paused QStash flow-control key*\nUsage: `/flow-resume &lt;key&gt;`\nExample: `/flow-resume orders-eu`',
    );
    expect(sectionText(message)).toBe(message.text);
  });

  it('shows environments and an env-prefixed example when there are several', () => {
    const message = flowResumeUsage(['prod', 'staging', 'eu']);
    expect(message.text).toBe(
      [
        '*Resume a paused QStash flow-control key*',
        'Usage: `/flow-resume &lt;key&gt;`',
        'Example: `/flow-resume orders-eu` (environment `prod`) or `/flow-resume staging:orders-eu`',
        'Environments: `prod`, `staging`, `eu`',
      ].join('\n'),
    );
  });

  it('keyProblem escapes what was typed and shows the command usage', () => {
    const problem = { code: 'unknown_environment', name: '<!channel>', known: ['prod'] } as const;
    expect(keyProblem(problem, '/flow-resume').text).toBe(
      ':warning: `&lt;!channel&gt;` is not a configured QStash environment. Known environments: `prod`.\nUsage: `/flow-resume &lt;key&gt;`',
    );
  });
});
