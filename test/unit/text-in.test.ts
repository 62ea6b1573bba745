import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSlackText } from '../../src/slack/text-in.js';

/** What Slack does to typed text: `&`, `<` and `>` become entities (Slack's "Formatting text" docs). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack's encoding of typed text, including the wrapping it does with "Escape channels, users, and links" or
 * its auto-linking: a word that looks like a domain, an address, a user, a channel, a group or a special
 * mention arrives as markup whose label is the word (escaped too).
 */
function slackEncode(words: readonly { text: string; wrap: boolean }[]): string {
  return words
    .map(({ text, wrap }) => {
      // Slack wraps whole words of these shapes only, and never a `|` (it would end the markup's target).
      if (!wrap || text === '' || text.includes('|')) return slackEscape(text);
      if (/^@(here|channel|everyone)$/.test(text)) return `<!${text.slice(1)}>`;
      if (/^@[^@#]+$/.test(text)) return `<@U0123ABCD|${slackEscape(text.slice(1))}>`;
      if (/^#[^@#]+$/.test(text)) return `<#C0123ABCD|${slackEscape(text.slice(1))}>`;
      if (/^[^@#]*@b\.example$/.test(text)) return `<mailto:${slackEscape(text)}|${slackEscape(text)}>`;
      if (/^[^@#]*\.example$/.test(text)) return `<http://${slackEscape(text)}|${slackEscape(text)}>`;
      return slackEscape(text);
    })
    .join('');
}

const UNITS = [
  '&',
  '<',
  '>',
  '|',
  '@',
  '#',
  '!',
  '^',
  ';',
  'a',
  'm',
  'p',
  'l',
  't',
  'g',
  ' ',
  '.',
  '😀',
  'é',
  '`',
];
const typed = fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 60 });
// Slack's user and channel names never start with a sigil, and hold no `|`.
const name = fc.string({
  unit: fc.constantFrom(...UNITS.filter((u) => !['|', '@', '#'].includes(u))),
  minLength: 1,
  maxLength: 30,
});

describe('decodeSlackText: text as Slack sends it, back to what the person typed', () => {
  it('decodes the three entities', () => {
    expect(decodeSlackText('tenant&amp;eu')).toBe('tenant&eu');
    expect(decodeSlackText('db &amp; cache down')).toBe('db & cache down');
    expect(decodeSlackText('a &lt;b&gt; c')).toBe('a <b> c');
    // What the person typed as `&amp;` arrives as `&amp;amp;`: decoded once, it stays `&amp;`.
    expect(decodeSlackText('&amp;amp;')).toBe('&amp;');
    expect(decodeSlackText('&lt;!channel&gt;')).toBe('<!channel>');
  });

  it('unwraps links, addresses, mentions and channels to what was typed', () => {
    expect(decodeSlackText('<http://orders.example|orders.example>')).toBe('orders.example');
    expect(decodeSlackText('<https://x.example/a?b=1&amp;c=2>')).toBe('https://x.example/a?b=1&c=2');
    expect(decodeSlackText('<mailto:a@b.example|a@b.example>')).toBe('a@b.example');
    expect(decodeSlackText('<mailto:a@b.example>')).toBe('a@b.example');
    expect(decodeSlackText('ask <@U123ABC|steve>')).toBe('ask @steve');
    expect(decodeSlackText('ask <@U123ABC>')).toBe('ask @U123ABC');
    expect(decodeSlackText('in <#C123ABC|incidents>')).toBe('in #incidents');
    expect(decodeSlackText('in <#C123ABC>')).toBe('in #C123ABC');
    expect(decodeSlackText('<!subteam^S123ABC|@oncall>')).toBe('@oncall');
    expect(decodeSlackText('<!subteam^S123ABC>')).toBe('@S123ABC');
    expect(decodeSlackText('<!here> <!channel|channel> <!everyone>')).toBe('@here @channel @everyone');
    expect(decodeSlackText('<!date^1392734382^{date}|Feb 18th>')).toBe('Feb 18th');
    expect(decodeSlackText('<http://a.example|a &amp; b>')).toBe('a & b');
  });

  it('leaves text without Slack encoding as it is, and never throws on broken markup', () => {
    for (const text of [
      'orders-eu',
      'a & b',
      'R&D',
      '&amp',
      '&#60;',
      '<',
      '>',
      '<<>',
      '<|>',
      '<>',
      '|',
      '',
    ]) {
      expect(() => decodeSlackText(text)).not.toThrow();
    }
    expect(decodeSlackText('orders-eu')).toBe('orders-eu');
    expect(decodeSlackText('R&D')).toBe('R&D');
    expect(decodeSlackText('&#60;')).toBe('&#60;');
  });

  it('property: decode(slackEscape(x)) == x for any text', () => {
    fc.assert(
      fc.property(fc.oneof(typed, fc.string({ unit: 'grapheme', maxLength: 80 })), (text) => {
        expect(decodeSlackText(slackEscape(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('property: decode(slackEncode(x)) == x, with any words wrapped as Slack wraps them', () => {
    const word = fc.record({
      text: fc.oneof(
        typed,
        fc.constantFrom('@here', '@channel', '@everyone'),
        name.map((n) => `@${n}`),
        name.map((n) => `#${n}`),
        typed.map((t) => `${t.replace(/[|@]/g, '')}@b.example`),
        typed.map((t) => `${t.replace(/[|@#]/g, '')}.example`),
      ),
      wrap: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (words) => {
        const typedText = words.map((w) => w.text).join('');
        expect(decodeSlackText(slackEncode(words))).toBe(typedText);
      }),
      { numRuns: 500 },
    );
  });
});
