import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findKeyCandidates, MAX_CANDIDATES } from '../../src/core/catalog/find-keys.js';
import { checkKey } from '../../src/core/keys.js';
import { alertMessage } from '../../src/slack/blocks/alert.js';
import { statusMessage } from '../../src/slack/blocks/status.js';
import { messageParts } from '../../src/slack/listeners/shortcuts/message-parts.js';
import { decodeSlackText } from '../../src/slack/text-in.js';

const find = (text: string, keyValues: string[] = []) => findKeyCandidates({ texts: [text], keyValues });

/** Keys as monitoring systems name them: no spaces, quotes or backticks (those end a label or a code span). */
const plainKey = fc
  .string({
    minLength: 1,
    maxLength: 60,
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_:./$#@ABCXYZ'.split('')),
  })
  .filter((key) => checkKey(key).kind === 'ok' && !/[.,;:!?]$/.test(key));

describe('finding keys in a message', () => {
  it('reads labels the way monitoring systems write them', () => {
    expect(find('flow_control_key="orders-eu"')).toEqual(['orders-eu']);
    expect(find('{alertname="Paused", flow_control_key="orders-eu", severity="critical"}')).toEqual([
      'orders-eu',
    ]);
    expect(find('key paused: flow_control_key=orders-eu.')).toEqual(['orders-eu']);
    expect(find('flowControlKey: payments-us')).toEqual(['payments-us']);
    expect(find('Flow-Control-Key: tenant:42')).toEqual(['tenant:42']);
    expect(find("flow_control_key = 'a b'")).toEqual([]);
    expect(find('my_flow_control_keys=nope')).toEqual([]);
  });

  it('reads code spans but not fenced blocks, and puts button values first', () => {
    expect(find('see `orders-eu` and `payments-us`, not ```npm start```')).toEqual([
      'orders-eu',
      'payments-us',
    ]);
    expect(find('`orders-eu`', ['prod:orders'])).toEqual(['prod:orders', 'orders-eu']);
    expect(find('`two words` `` `')).toEqual([]);
  });

  it('finds the key of Flowbot’s own alert and status card through their buttons', () => {
    const naming = { environmentCount: 1 };
    const target = { environment: 'default', key: 'orders-eu' };
    const alert = alertMessage({ target, title: 'paused' }, naming);
    expect(findKeyCandidates(messageParts({ text: alert.text, blocks: alert.blocks }))[0]).toBe('orders-eu');
    const card = statusMessage(
      target,
      {
        key: 'orders-eu',
        waitlistSize: 3,
        paused: true,
        parallelismMax: undefined,
        parallelismCount: 0,
        rateMax: undefined,
        rateCount: 0,
        ratePeriod: undefined,
        ratePeriodStart: undefined,
        pinnedParallelism: false,
        pinnedRate: false,
      },
      naming,
    );
    expect(findKeyCandidates(messageParts(card))).toEqual(['orders-eu']);
  });

  it('finds any plain key however it is embedded in a label or a code span', () => {
    fc.assert(
      fc.property(
        plainKey,
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (key, before, after) => {
          expect(find(`${before}\nflow_control_key="${key}"\n${after}`)).toContain(key);
          expect(find(`${before.replace(/`/g, '')} \`${key}\` ${after.replace(/`/g, '')}`)).toContain(key);
        },
      ),
    );
  });

  it('returns only well-formed keys, at most a bounded number, whatever the message', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 400, unit: 'binary' }), { maxLength: 8 }),
        fc.array(fc.string(), { maxLength: 5 }),
        (texts, keyValues) => {
          const found = findKeyCandidates({ texts, keyValues });
          expect(found.length).toBeLessThanOrEqual(MAX_CANDIDATES);
          expect(new Set(found).size).toBe(found.length);
          for (const candidate of found) expect(checkKey(candidate).kind).toBe('ok');
        },
      ),
    );
    const flood = Array.from({ length: 500 }, (_, i) => `\`k${i}\``).join(' ');
    expect(find(flood)).toHaveLength(MAX_CANDIDATES);
  });

  it('decodes Slack’s markup once: entities, links and mentions become what people see', () => {
    expect(decodeSlackText('a &amp;lt; b &lt;x&gt; <https://x.example|x.example> <mailto:a@b.example>')).toBe(
      // An address Slack wrapped is the address the person typed.
      'a &lt; b <x> x.example a@b.example',
    );
    expect(decodeSlackText('<@U123> <@U124|maria> <#C1|incidents> <!here> <!subteam^S1|@oncall>')).toBe(
      '@U123 @maria #incidents @here @oncall',
    );
  });

  it('walks any message shape without failing, bounded', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6 }), (message) => {
        const parts = messageParts(message);
        expect(parts.texts.length).toBeLessThanOrEqual(400);
        findKeyCandidates(parts);
      }),
    );
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: Record<string, unknown> = { text: `\`k${i}\`` };
      at.blocks = [next];
      at = next;
    }
    expect(() => messageParts({ blocks: [deep] })).not.toThrow();
  });

  it('reads rich text’s inline code as code, and legacy attachments', () => {
    const parts = messageParts({
      text: '',
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'please resume ' },
                { type: 'text', text: 'orders-eu', style: { code: true } },
              ],
            },
          ],
        },
      ],
      attachments: [{ title: 'Alert', fields: [{ title: 'labels', value: 'flow_control_key=payments-us' }] }],
    });
    expect(findKeyCandidates(parts)).toEqual(['payments-us', 'orders-eu']);
  });
});
