import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, link, mention, slackDate } from '../../src/slack/blocks/mrkdwn.js';
import { inertMrkdwn, outbound, outboundView } from '../../src/slack/blocks/outbound.js';
import { checkView } from '../../stand-ins/slack-views.js';

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

describe('the boundary for views (views.publish, views.open, views.update)', () => {
  it('makes markup inert in every mrkdwn text and fits the view to what Slack accepts', () => {
    const hostile = `<!channel> ${'&amp;'.repeat(700)}`;
    const view = {
      type: 'home' as const,
      blocks: Array.from({ length: 130 }, (_, i) => ({
        type: 'section',
        block_id: `b${i}`,
        text: { type: 'mrkdwn', text: hostile },
      })),
    };
    const sent = outboundView(view);
    expect(sent.blocks).toHaveLength(100);
    expect(checkView(view, 'home')).toBeDefined();
    expect(checkView(sent, 'home')).toBeUndefined();
    const first = sent.blocks[0] as { block_id: string; text: { text: string } };
    expect(first.block_id).toBe('b0');
    expect(first.text.text.startsWith('&lt;!channel&gt; &amp;')).toBe(true);
    expect(first.text.text.length).toBeLessThanOrEqual(3_000);
    // The builder's own view is left as it was.
    expect((view.blocks[0] as { text: { text: string } }).text.text).toBe(hostile);
  });

  it('fits a modal’s title, buttons and input labels, and keeps its ids and metadata', () => {
    const modal = {
      type: 'modal' as const,
      callback_id: 'flow_control',
      private_metadata: '{"origin":"message"}',
      title: { type: 'plain_text' as const, text: 'Flow control for a very long key name' },
      submit: { type: 'plain_text' as const, text: 'Pause this key right now please' },
      blocks: [
        {
          type: 'input',
          block_id: 'flow_reason',
          label: { type: 'plain_text', text: 'x'.repeat(2_500) },
          element: { type: 'plain_text_input', action_id: 'flow_reason' },
        },
      ],
    };
    const sent = outboundView(modal);
    expect(sent.title.text.length).toBeLessThanOrEqual(24);
    expect(sent.submit.text.length).toBeLessThanOrEqual(24);
    expect((sent.blocks[0] as { label: { text: string } }).label.text.length).toBeLessThanOrEqual(2_000);
    expect(sent.callback_id).toBe('flow_control');
    expect(sent.private_metadata).toBe(modal.private_metadata);
  });
});

describe('the boundary and another system’s legacy attachments', () => {
  it('keeps them, with their own links and mentions, but no special mention', () => {
    const sent = outbound({
      text: 'alert',
      blocks: [],
      attachments: [
        {
          color: 'danger',
          pretext: '<!channel> disk full',
          text: 'see <https://grafana.example/d|dash> cc <@U0ONCALL>',
          fields: [{ title: 'host', value: '<!here> db-1', short: true }],
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<!subteam^S1> look' } }],
        },
      ],
    });
    const [attachment] = sent.attachments ?? [];
    expect(attachment?.color).toBe('danger');
    expect(attachment?.pretext).toBe('&lt;!channel&gt; disk full');
    expect(attachment?.text).toBe('see <https://grafana.example/d|dash> cc <@U0ONCALL>');
    expect(attachment?.fields?.[0]?.value).toBe('&lt;!here&gt; db-1');
    expect(JSON.stringify(attachment?.blocks)).toContain('&lt;!subteam^S1&gt; look');
  });
});
