import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import { BLOCK_LIMITS, fitText, fitted } from '../../src/slack/blocks/fit.js';
import { listMessage } from '../../src/slack/blocks/list.js';
import { validateMessage } from '../../stand-ins/block-kit.js';
import { keyState } from './fixtures.js';

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const textOf = (block: KnownBlock | undefined) =>
  (block as { text?: { text?: string } } | undefined)?.text?.text ?? '';

describe('fitText', () => {
  it('leaves text within the limit alone and cuts longer text to exactly the limit at most, ending in …', () => {
    expect(fitText('short', 10)).toBe('short');
    expect(fitText('x'.repeat(10), 10)).toBe('x'.repeat(10));
    const cut = fitText('x'.repeat(11), 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never leaves half an entity, half a mention, date or link, or half an emoji', () => {
    for (let max = 5; max < 40; max++) {
      for (const text of [
        '&amp;'.repeat(20),
        `a <@U12345678> b ${'x'.repeat(30)}`,
        `at <!date^1700000000^{date_short_pretty}|2023-11-14> ${'x'.repeat(30)}`,
        '😀'.repeat(30),
      ]) {
        const cut = fitText(text, max);
        expect(cut.length, `${text} at ${max}`).toBeLessThanOrEqual(max);
        expect(cut).not.toMatch(/&[a-z]*…$/);
        expect(cut.lastIndexOf('<')).toBeLessThanOrEqual(cut.lastIndexOf('>'));
        expect(cut).not.toMatch(/[\uD800-\uDBFF]…$/);
      }
    }
  });

  it('closes an inline code span the cut left open', () => {
    const cut = fitText(`Key: \`${'k'.repeat(50)}\``, 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect((cut.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it('holds for any text: within the limit, and a prefix of the original up to the ending', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('&amp;', '&lt;', '<@U1>', '`', '😀', 'a', '\n'), maxLength: 400 }),
        fc.integer({ min: 2, max: 500 }),
        (text, max) => {
          const cut = fitText(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          if (cut !== text) expect(text.startsWith(cut.replace(/`?…$/, ''))).toBe(true);
        },
      ),
    );
  });
});

describe('fitted', () => {
  it('leaves out a button whose value is over Slack’s limit, and an actions block left empty', () => {
    const button = (value: string, id: string) => ({
      type: 'button',
      action_id: id,
      text: { type: 'plain_text', text: 'Go' },
      value,
    });
    const message = fitted({
      text: 'x',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'a' }, accessory: button('v'.repeat(2001), 'a1') },
        { type: 'actions', elements: [button('v'.repeat(2001), 'b1'), button('ok', 'b2')] },
        { type: 'actions', elements: [button('v'.repeat(5000), 'c1')] },
      ] as unknown as KnownBlock[],
    });
    expect(validateMessage(message as never, 'chat.postMessage')).toBeUndefined();
    expect(JSON.stringify(message.blocks)).not.toContain('v'.repeat(2001));
    expect(message.blocks).toHaveLength(2);
    expect(
      (message.blocks[1] as { elements: { action_id: string }[] }).elements.map((e) => e.action_id),
    ).toEqual(['b2']);
  });

  it('cuts each block’s final text to its own limit', () => {
    const message = fitted({
      text: 'y'.repeat(50_000),
      blocks: [
        section('&amp;'.repeat(700)),
        {
          type: 'section',
          fields: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2500) })),
        },
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(200) } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'flow_resume',
              text: { type: 'plain_text', text: 'b'.repeat(100) },
              value: 'v'.repeat(2000),
              confirm: {
                title: { type: 'plain_text', text: 't'.repeat(200) },
                text: { type: 'mrkdwn', text: '&lt;'.repeat(100) },
                confirm: { type: 'plain_text', text: 'c'.repeat(40) },
                deny: { type: 'plain_text', text: 'd'.repeat(40) },
              },
            },
          ],
        },
      ],
    });
    expect(message.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.fallbackText);
    expect(textOf(message.blocks[0]).length).toBeLessThanOrEqual(3000);
    const button = (message.blocks[3] as { elements: Array<Record<string, any>> }).elements[0]!;
    // A button's value is data: never cut.
    expect(button.value).toBe('v'.repeat(2000));
    expect(button.confirm.text.text.length).toBeLessThanOrEqual(300);
    expect(validateMessage({ ...message }, 'chat.postMessage')).toBeUndefined();
  });

  it('joins context texts past the tenth into the tenth', () => {
    const message = fitted({
      text: 'x',
      blocks: [
        {
          type: 'context',
          elements: Array.from({ length: 14 }, (_, i) => ({ type: 'mrkdwn', text: `n${i}` })),
        },
      ],
    });
    const elements = (message.blocks[0] as { elements: Array<{ text: string }> }).elements;
    expect(elements).toHaveLength(10);
    expect(elements[9]!.text).toBe('n9 · n10 · n11 · n12 · n13');
  });

  it('shortens the longest texts until the blocks fit Slack’s total size, without changing the input', () => {
    const blocks = Array.from({ length: 8 }, (_, i) => section(`${i}`.repeat(2900)));
    const copy = structuredClone(blocks);
    const message = fitted({ text: 'x', blocks });
    expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(BLOCK_LIMITS.blocksJson);
    expect(message.blocks).toHaveLength(8);
    expect(blocks).toEqual(copy);
  });

  it('also shortens the text runs of rich_text blocks another system wrote', () => {
    const richText = (text: string) => ({
      type: 'rich_text',
      elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
    });
    const message = fitted({
      text: 'x',
      blocks: [richText('r'.repeat(9000)), richText('s'.repeat(9000))] as unknown as KnownBlock[],
    });
    expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(BLOCK_LIMITS.blocksJson);
  });
});

describe('listMessage within Slack’s limits', () => {
  const keys = (n: number, name: (i: number) => string): FlowKeyState[] =>
    Array.from({ length: n }, (_, i) => keyState({ key: name(i), paused: i % 2 === 0, waitlistSize: i }));

  it('shows whole lines only, as many as fit, and counts the rest as not shown', () => {
    const list = keys(40, (i) => `${'&'.repeat(250)}${String(i).padStart(3, '0')}`);
    const message = listMessage([{ environment: 'prod', keys: list, error: undefined }], undefined, {
      environmentCount: 1,
    });
    expect(validateMessage({ ...message }, 'chat.postMessage')).toBeUndefined();
    const sections = message.blocks
      .slice(1)
      .filter((b) => b.type === 'section')
      .map(textOf);
    const lines = sections.flatMap((text) => text.split('\n'));
    for (const text of sections) expect(text.length).toBeLessThanOrEqual(3000);
    for (const line of lines) expect(line).toMatch(/waiting/);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(40);
    expect(JSON.stringify(message.blocks)).toContain(`…and ${40 - lines.length} more keys`);
  });

  it('keeps ten plain lines to a section, forty lines in all', () => {
    const message = listMessage(
      [{ environment: 'prod', keys: keys(45, (i) => `orders-${i}`), error: undefined }],
      undefined,
      { environmentCount: 1 },
    );
    const sections = message.blocks
      .slice(1)
      .filter((b) => b.type === 'section')
      .map(textOf);
    expect(sections.map((text) => text.split('\n').length)).toEqual([10, 10, 10, 10]);
    expect(JSON.stringify(message.blocks)).toContain('…and 5 more keys');
  });
});
