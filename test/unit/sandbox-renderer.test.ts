import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMOJI, emojiParts } from '../../sandbox/web/emoji.js';
import {
  buttonAt,
  confirmDialog,
  formatSlackDate,
  plainText,
  type RenderContext,
  renderBlocks,
  renderMessage,
  renderMrkdwn,
  toHtml,
  unescapeEntities,
} from '../../sandbox/web/render-blocks.js';
import { resumeButton } from '../../src/slack/blocks/buttons.js';
import { listMessage } from '../../src/slack/blocks/list.js';
import { code, escapeMrkdwn, slackDate } from '../../src/slack/blocks/mrkdwn.js';
import { statusMessage } from '../../src/slack/blocks/status.js';

const ctx: RenderContext = {
  users: { U0MARIA01: 'maria' },
  channels: { C0INCIDENTS: 'incidents' },
  groups: { S0ONCALL1: 'oncall' },
};

const html = (text: string) => toHtml(renderMrkdwn(text, ctx));
const shown = (text: string) => plainText(renderMrkdwn(text, ctx));

describe('sandbox renderer: escaping', () => {
  it('shows escaped markup as text and never emits it as markup', () => {
    const text = escapeMrkdwn('<script>alert("x")</script> & <b>bold</b>');
    expect(shown(text)).toBe('<script>alert("x")</script> & <b>bold</b>');
    const out = html(text);
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
  });

  it('shows raw angle-bracket text that is no Slack syntax as text', () => {
    expect(shown('<script>')).toBe('<script>');
    expect(html('<script>')).toBe('&lt;script&gt;');
    expect(html('<img src=x onerror=alert(1)>')).not.toContain('<img');
  });

  it('unescapes in one pass, so an escaped entity stays an entity', () => {
    expect(unescapeEntities('&amp;lt; &lt; &gt; &amp;')).toBe('&lt; < > &');
    expect(shown('a &amp;lt; b')).toBe('a &lt; b');
  });

  it('escapes attribute values and refuses unsafe link schemes', () => {
    expect(html('<javascript:alert(1)|click>')).not.toContain('href');
    const quoted = html('<https://example.com/?q="x"&amp;y=1|docs>');
    expect(quoted).toContain('href="https://example.com/?q=&quot;x&quot;&amp;y=1"');
    expect(quoted).toContain('>docs</a>');
  });

  it('escapes keys that carry markup inside code spans', () => {
    const text = `Key: ${code('<!channel> *x*')}`;
    expect(shown(text)).toBe('Key: <!channel> *x*');
    expect(html(text)).toBe('Key: <code class="sk-code">&lt;!channel&gt; *x*</code>');
  });
});

describe('sandbox renderer: mrkdwn', () => {
  it('formats bold, italic, strike and code', () => {
    expect(html('*bold* _italic_ ~gone~ `code`')).toBe(
      '<b>bold</b> <i>italic</i> <s>gone</s> <code class="sk-code">code</code>',
    );
  });

  it('leaves markers inside words and unmatched markers alone', () => {
    expect(shown('snake_case_name and 2*3*4 and *open')).toBe('snake_case_name and 2*3*4 and *open');
    expect(html('orders_eu_2')).toBe('orders_eu_2');
  });

  it('nests formatting around code and mentions', () => {
    expect(html('*`/flow status &lt;key&gt;`*: help')).toBe(
      '<b><code class="sk-code">/flow status &lt;key&gt;</code></b>: help',
    );
    expect(html('_(no flow-control key)_')).toBe('<i>(no flow-control key)</i>');
  });

  it('shows user, channel, group and special mentions by name', () => {
    expect(shown('<@U0MARIA01> in <#C0INCIDENTS> for <!subteam^S0ONCALL1> and <!here>')).toBe(
      '@maria in #incidents for @oncall and @here',
    );
    expect(shown('<@UNKNOWN1> <#C999|general> <@U2|sam>')).toBe('@UNKNOWN1 #general @sam');
    expect(html('<@U0MARIA01>')).toBe('<span class="sk-mention sk-mention-user">@maria</span>');
  });

  it('renders links with and without a label', () => {
    expect(html('<https://runbooks.example.com/orders|Runbook>')).toBe(
      '<a href="https://runbooks.example.com/orders" target="_blank" rel="noopener noreferrer">Runbook</a>',
    );
    expect(shown('see <https://example.com>')).toBe('see https://example.com');
    expect(shown('<mailto:ops@example.com|mail us>')).toBe('mail us');
  });

  it('turns known emoji shortcodes into emoji and leaves unknown ones', () => {
    expect(shown(':rotating_light: :white_check_mark: :no_entry: :double_vertical_bar: :party_parrot:')).toBe(
      '🚨 ✅ ⛔ ⏸️ :party_parrot:',
    );
    expect(shown('`:warning:`')).toBe(':warning:');
  });

  it('shows dates as their fallback, or formatted when the page knows how', () => {
    const at = new Date('2026-03-04T05:06:07.000Z');
    const token = slackDate(at);
    expect(shown(`Checked ${token}`)).toBe('Checked 2026-03-04T05:06:07.000Z');
    expect(html(token)).toBe(
      '<time class="sk-date" title="2026-03-04T05:06:07.000Z" datetime="2026-03-04T05:06:07.000Z">2026-03-04T05:06:07.000Z</time>',
    );
    const formatted = plainText(
      renderMrkdwn(token, { formatDate: (seconds, format) => `${seconds}:${format}` }),
    );
    expect(formatted).toBe(`${at.getTime() / 1000}:{date_short_pretty} at {time}`);
  });

  it('formats Slack date tokens relative to now', () => {
    const now = new Date(2026, 2, 4, 15, 0, 0);
    const today = new Date(2026, 2, 4, 9, 5, 0).getTime() / 1000;
    const earlier = new Date(2026, 0, 9, 9, 5, 0).getTime() / 1000;
    expect(formatSlackDate(today, '{date_short_pretty} at {time}', now)).toBe('Today at 9:05 AM');
    expect(formatSlackDate(earlier, '{date_short_pretty} at {time}', now)).toBe('Jan 9, 2026 at 9:05 AM');
    expect(formatSlackDate(earlier, '{date_num} {unknown}', now)).toBe('2026-01-09 {unknown}');
  });

  it('renders quotes, line breaks and fenced code', () => {
    expect(html('done\n>payments API down\n&gt; second')).toBe(
      'done<blockquote class="sk-quote">payments API down<br>second</blockquote>',
    );
    expect(html('a\nb')).toBe('a<br>b');
    expect(html('before\n```\nline *1*\n&lt;2&gt;\n```\nafter')).toBe(
      'before<pre class="sk-pre">line *1*\n&lt;2&gt;</pre>after',
    );
  });
});

describe('sandbox renderer: Block Kit', () => {
  const naming = { environmentCount: 1 };
  const target = { environment: 'default', key: 'orders-eu' };

  it('renders a status card: sections, fields, context and styled buttons', () => {
    const card = statusMessage(
      target,
      {
        key: 'orders-eu',
        paused: true,
        waitlistSize: 12_340,
        parallelismCount: 0,
        parallelismMax: 10,
        rateCount: 0,
        rateMax: 250,
        ratePeriod: 1,
        ratePeriodStart: undefined,
        pinnedParallelism: false,
        pinnedRate: false,
      },
      naming,
    );
    const nodes = renderBlocks(card.blocks, ctx);
    const text = plainText(nodes);
    expect(text).toContain('⏸️ orders-eu is paused');
    expect(text).toContain('Waiting\n12,340');
    const out = toHtml(nodes);
    expect(out).toContain('class="sk-fields"');
    expect(out).toContain('<b>paused</b>');
    expect(out).toMatch(
      /<button class="sk-button sk-button-primary"[^>]*data-action-id="flow_resume"[^>]*>Resume</,
    );
    expect(out).toContain('data-confirm="true"');
    expect(out).toMatch(/<button class="sk-button"[^>]*data-action-id="flow_refresh"[^>]*>Refresh</);
  });

  it('finds a button by its path, and nothing where there is none', () => {
    const list = listMessage(
      [
        {
          environment: 'default',
          keys: [
            {
              key: 'orders-eu',
              paused: true,
              waitlistSize: 5,
              parallelismCount: 0,
              parallelismMax: undefined,
              rateCount: 0,
              rateMax: undefined,
              ratePeriod: undefined,
              ratePeriodStart: undefined,
              pinnedParallelism: false,
              pinnedRate: false,
            },
          ],
          error: undefined,
        },
      ],
      undefined,
      naming,
    );
    const actions = list.blocks.findIndex((b) => b.type === 'actions');
    expect(buttonAt(list.blocks, { block: actions, element: 0 })?.value).toBe('orders-eu');
    expect(buttonAt(list.blocks, { block: actions, element: 9 })).toBeUndefined();
    expect(buttonAt(list.blocks, { block: 0, element: 'accessory' })).toBeUndefined();
  });

  it('builds the confirm dialog of a button', () => {
    const dialog = confirmDialog(resumeButton(target, naming).confirm, ctx);
    expect(dialog?.title).toBe('Resume this key?');
    expect(plainText(dialog?.text ?? [])).toContain('Resume delivery for orders-eu?');
    expect(dialog?.confirm).toBe('Resume');
    expect(dialog?.deny).toBe('Cancel');
    expect(confirmDialog(undefined)).toBeUndefined();
  });

  it('renders header, divider, danger buttons, accessories and unknown blocks', () => {
    const nodes = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Incident :fire:' } },
        { type: 'divider' },
        {
          type: 'section',
          text: { type: 'plain_text', text: '<b>not markup</b>' },
          accessory: {
            type: 'button',
            action_id: 'flow_pause',
            style: 'danger',
            text: { type: 'plain_text', text: 'Pause…' },
          },
        },
        { type: 'video', title: 'x' },
        'not a block',
      ],
      ctx,
    );
    const out = toHtml(nodes);
    expect(out).toContain('<div class="sk-block sk-header">Incident 🔥</div>');
    expect(out).toContain('<hr class="sk-block sk-divider">');
    expect(out).toContain('&lt;b&gt;not markup&lt;/b&gt;');
    expect(out).toMatch(/class="sk-button sk-button-danger"[^>]*data-element="accessory"/);
    expect(out).toContain('[video block]');
  });

  it('falls back to the text when a message has no blocks', () => {
    expect(plainText(renderMessage({ text: 'hello *there* <@U0MARIA01>' }, ctx))).toBe('hello there @maria');
    expect(plainText(renderMessage({ text: 'fallback', blocks: [] }, ctx))).toBe('fallback');
  });
});

describe('emoji as pictures', () => {
  it('splits text into runs and emoji, naming each emoji’s picture by its code points', () => {
    expect(emojiParts('⏸️ paused · ▶️ delivering 📌')).toEqual([
      { emoji: '⏸️', id: '23f8' },
      ' paused · ',
      { emoji: '▶️', id: '25b6' },
      ' delivering ',
      { emoji: '📌', id: '1f4cc' },
    ]);
    expect(emojiParts('👍🏽 and 🏳️‍🌈 and 🇪🇺')).toEqual([
      { emoji: '👍🏽', id: '1f44d-1f3fd' },
      ' and ',
      { emoji: '🏳️‍🌈', id: '1f3f3-200d-1f308' },
      ' and ',
      { emoji: '🇪🇺', id: '1f1ea-1f1fa' },
    ]);
  });

  it('leaves characters that are text by default alone, and plain text as one run', () => {
    expect(emojiParts('© 2026 ™ ▶ next')).toEqual(['© 2026 ™ ▶ next']);
    expect(emojiParts('orders-eu')).toEqual(['orders-eu']);
    expect(emojiParts('')).toEqual([]);
  });

  it('knows every shortcode Flowbot’s messages use', () => {
    const used = new Set<string>();
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith('.ts'))
          for (const match of readFileSync(path, 'utf8').matchAll(/['`\s]:([a-z][a-z0-9_]*):[\s'`]/g))
            used.add(match[1]!);
      }
    };
    visit(fileURLToPath(new URL('../../src/slack', import.meta.url)));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !(name in EMOJI))).toEqual([]);
  });

  it('gives every emoji Flowbot’s messages use a picture id', () => {
    for (const [name, emoji] of Object.entries(EMOJI)) {
      const parts = emojiParts(emoji);
      expect(parts, name).toHaveLength(1);
      expect(typeof parts[0], name).toBe('object');
    }
  });
});
