import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, link, mention, slackDate } from '../../src/slack/blocks/mrkdwn.js';
import { inertMrkdwn, outbound } from '../../src/slack/blocks/outbound.js';

describe('the boundary where messages leave for Slack', () => {
  it('keeps Flowbot’s own markup and makes every other kind inert', () => {
    const own = `${mention('U0ALLOWED')} at ${slackDate(new Date(0))} ${link('https://x.example/a', 'dash')} <#C0INCIDENTS>`;
    expect(inertMrkdwn(own)).toBe(own);
    expect(
      inertMrkdwn('<!channel> <!here|here> <!subteam^S1|@t> <mailto:a@b|m> <javascript:x|y> a < b'),
    ).toBe(
      '&lt;!channel&gt; &lt;!here|here&gt; &lt;!subteam^S1|@t&gt; &lt;mailto:a@b|m&gt; &lt;javascript:x|y&gt; a &lt; b',
    );
    // Escaped text and Flowbot's own formatting pass unchanged.
    expect(inertMrkdwn('*Paused* `&lt;!channel&gt;`\n>db &amp; cache')).toBe(
      '*Paused* `&lt;!channel&gt;`\n>db &amp; cache',
    );
  });

  it('links: only http(s), with |, < and > in the target made harmless and the text escaped', () => {
    expect(link('javascript:alert(1)', 'x<y')).toBe('x&lt;y');
    expect(link('not a url', 'docs')).toBe('docs');
    expect(link('https://g.example/d?a=<!here>|b', '<!channel> & co')).toBe(
      '<https://g.example/d?a=%3C!here%3E%7Cb|&lt;!channel&gt; &amp; co>',
    );
  });

  it('property: no outside text, escaped or not, leaves as a live special mention, and every text fits', () => {
    const units = [
      '<',
      '>',
      '!',
      '@',
      '#',
      '|',
      '^',
      'channel',
      'here',
      'subteam',
      'U0X',
      '&',
      'amp;',
      ' ',
      '\n',
      'a',
    ];
    const text = fc.string({ unit: fc.constantFrom(...units), maxLength: 400 });
    fc.assert(
      fc.property(text, fc.boolean(), (outside, escaped) => {
        const shown = escaped ? escapeMrkdwn(outside) : outside;
        const sent = outbound({
          text: shown,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: `${mention('U0ME')} ${shown}`.repeat(8) } },
          ],
        });
        for (const t of [sent.text, JSON.stringify(sent.blocks)])
          expect(t).not.toMatch(/<!(channel|here|everyone|subteam)/);
        const section = sent.blocks[0] as { text: { text: string } };
        expect(section.text.text.length).toBeLessThanOrEqual(3_000);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the boundary and inherited names', () => {
  it('keeps a `__proto__` field of another system’s blocks a field, never a prototype', () => {
    const blocks = JSON.parse(
      '[{"type":"section","text":{"type":"mrkdwn","text":"<!here>"},"__proto__":{"polluted":true}}]',
    );
    const sent = outbound({ text: 'x', blocks });
    const section = sent.blocks[0] as unknown as Record<string, unknown>;
    expect(Object.hasOwn(section, '__proto__')).toBe(true);
    expect((section as { polluted?: unknown }).polluted).toBeUndefined();
    expect((section.text as { text: string }).text).toBe('&lt;!here&gt;');
  });
});
