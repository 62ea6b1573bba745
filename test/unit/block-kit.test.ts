import { describe, expect, it } from 'vitest';
import {
  BLOCK_KIT_LIMITS as L,
  type MessageMethod,
  type SlackRefusal,
  type ViewMethod,
  validateMessage,
  validateView,
} from '../../stand-ins/block-kit.js';

const x = (n: number, char = 'x') => char.repeat(n);
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: mrkdwn(text),
  ...extra,
});
const button = (extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'b',
  text: plain('Go'),
  value: 'v',
  ...extra,
});
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const option = (text: string, value: string, extra: Record<string, unknown> = {}) => ({
  text: plain(text),
  value,
  ...extra,
});
const confirm = (extra: Record<string, unknown> = {}) => ({
  title: plain('Sure?'),
  text: mrkdwn('Really?'),
  confirm: plain('Yes'),
  deny: plain('No'),
  ...extra,
});
const select = (extra: Record<string, unknown> = {}) => ({
  type: 'static_select',
  action_id: 's',
  placeholder: plain('Pick'),
  options: [option('a', 'a')],
  ...extra,
});
const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Flowbot'),
  blocks: [section('hi')],
  ...extra,
});

function message(blocks: unknown[], method: MessageMethod = 'chat.postMessage'): SlackRefusal | undefined {
  return validateMessage({ text: 'fallback', blocks }, method);
}

interface LimitRule {
  readonly name: string;
  readonly limit: number;
  readonly error: string;
  /** The JSON pointer Slack names for the value one over the limit. */
  readonly pointer: string;
  readonly check: (n: number) => SlackRefusal | undefined;
}

const one = (value: unknown) => message([value]);
const view = (value: unknown, method: ViewMethod = 'views.open') => validateView(value, method);

/** Every length and count rule: the value at the limit passes, one more fails with Slack's error. */
const LIMIT_RULES: LimitRule[] = [
  {
    name: 'blocks in a message',
    limit: L.messageBlocks,
    error: 'invalid_blocks',
    pointer: '/blocks',
    check: (n) => message(Array.from({ length: n }, () => ({ type: 'divider' }))),
  },
  {
    name: 'blocks in a Home tab',
    limit: L.viewBlocks,
    error: 'invalid_arguments',
    pointer: '/view/blocks',
    check: (n) =>
      view({ type: 'home', blocks: Array.from({ length: n }, () => ({ type: 'divider' })) }, 'views.publish'),
  },
  {
    name: 'blocks in a modal',
    limit: L.viewBlocks,
    error: 'invalid_arguments',
    pointer: '/view/blocks',
    check: (n) => view(modal({ blocks: Array.from({ length: n }, () => ({ type: 'divider' })) })),
  },
  {
    name: 'top-level text',
    limit: L.messageText,
    error: 'msg_too_long',
    pointer: '/text',
    check: (n) => validateMessage({ text: x(n) }, 'chat.postMessage'),
  },
  {
    name: 'section text',
    limit: 3000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
    check: (n) => one(section(x(n))),
  },
  {
    name: 'section text escaped (counted as sent: `&amp;` is five characters)',
    limit: 3000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
    check: (n) => one(section(`${'&amp;'.repeat(Math.floor(n / 5))}${x(n % 5)}`)),
  },
  {
    name: 'section fields',
    limit: 10,
    error: 'invalid_blocks',
    pointer: '/blocks/0/fields',
    check: (n) => one({ type: 'section', fields: Array.from({ length: n }, () => mrkdwn('f')) }),
  },
  {
    name: 'section field text',
    limit: 2000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/fields/1/text',
    check: (n) => one({ type: 'section', fields: [mrkdwn('f'), mrkdwn(x(n))] }),
  },
  {
    name: 'header text',
    limit: 150,
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
    check: (n) => one({ type: 'header', text: plain(x(n)) }),
  },
  {
    name: 'context elements',
    limit: 10,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements',
    check: (n) => one({ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) }),
  },
  {
    name: 'context text',
    limit: 3000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/text',
    check: (n) => one({ type: 'context', elements: [mrkdwn(x(n))] }),
  },
  {
    name: 'actions elements',
    limit: 25,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements',
    check: (n) => one(actions(...Array.from({ length: n }, (_, i) => button({ action_id: `b${i}` })))),
  },
  {
    name: 'button text',
    limit: 75,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/text/text',
    check: (n) => one(actions(button({ text: plain(x(n)) }))),
  },
  {
    name: 'button value',
    limit: 2000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/value',
    check: (n) => one(actions(button({ value: x(n) }))),
  },
  {
    name: 'button url',
    limit: 3000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/url',
    check: (n) => one(actions(button({ url: `https://e.example/${x(n - 18)}` }))),
  },
  {
    name: 'button accessibility_label',
    limit: 75,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/accessibility_label',
    check: (n) => one(actions(button({ accessibility_label: x(n) }))),
  },
  {
    name: 'action_id',
    limit: 255,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/action_id',
    check: (n) => one(actions(button({ action_id: x(n) }))),
  },
  {
    name: 'block_id',
    limit: 255,
    error: 'invalid_blocks',
    pointer: '/blocks/0/block_id',
    check: (n) => one({ type: 'divider', block_id: x(n) }),
  },
  {
    name: 'confirm title',
    limit: 100,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/confirm/title/text',
    check: (n) => one(actions(button({ confirm: confirm({ title: plain(x(n)) }) }))),
  },
  {
    name: 'confirm text',
    limit: 300,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/confirm/text/text',
    check: (n) => one(actions(button({ confirm: confirm({ text: mrkdwn(x(n)) }) }))),
  },
  {
    name: 'confirm button',
    limit: 30,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/confirm/confirm/text',
    check: (n) => one(actions(button({ confirm: confirm({ confirm: plain(x(n)) }) }))),
  },
  {
    name: 'deny button',
    limit: 30,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/confirm/deny/text',
    check: (n) => one(actions(button({ confirm: confirm({ deny: plain(x(n)) }) }))),
  },
  {
    name: 'static select options',
    limit: 100,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options',
    check: (n) =>
      one(actions(select({ options: Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`)) }))),
  },
  {
    name: 'option groups',
    limit: 100,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/option_groups',
    check: (n) =>
      one(
        actions(
          select({
            options: undefined,
            option_groups: Array.from({ length: n }, (_, i) => ({
              label: plain(`g${i}`),
              options: [option(`o${i}`, `v${i}`)],
            })),
          }),
        ),
      ),
  },
  {
    name: 'option text',
    limit: 75,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options/0/text/text',
    check: (n) => one(actions(select({ options: [option(x(n), 'a')] }))),
  },
  {
    name: 'option value',
    limit: 150,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options/0/value',
    check: (n) => one(actions(select({ options: [option('a', x(n))] }))),
  },
  {
    name: 'option description',
    limit: 75,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options/0/description/text',
    check: (n) => one(actions(select({ options: [option('a', 'a', { description: plain(x(n)) })] }))),
  },
  {
    name: 'select placeholder',
    limit: 150,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/placeholder/text',
    check: (n) => one(actions(select({ placeholder: plain(x(n)) }))),
  },
  {
    name: 'overflow options',
    limit: 5,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options',
    check: (n) =>
      one(
        actions({
          type: 'overflow',
          action_id: 'o',
          options: Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`)),
        }),
      ),
  },
  {
    name: 'checkboxes options',
    limit: 10,
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options',
    check: (n) =>
      one(
        actions({
          type: 'checkboxes',
          action_id: 'c',
          options: Array.from({ length: n }, (_, i) => ({ text: mrkdwn(`*o${i}*`), value: `v${i}` })),
        }),
      ),
  },
  {
    name: 'image alt_text',
    limit: 2000,
    error: 'invalid_blocks',
    pointer: '/blocks/0/alt_text',
    check: (n) => one({ type: 'image', image_url: 'https://e.example/a.png', alt_text: x(n) }),
  },
  {
    name: 'input label',
    limit: 2000,
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/label/text',
    check: (n) =>
      view(
        modal({
          submit: plain('Go'),
          blocks: [
            { type: 'input', label: plain(x(n)), element: { type: 'plain_text_input', action_id: 'i' } },
          ],
        }),
      ),
  },
  {
    name: 'markdown block text',
    limit: L.markdownText,
    error: 'invalid_blocks',
    pointer: '/blocks/0/text',
    check: (n) => one({ type: 'markdown', text: x(n) }),
  },
  {
    name: 'markdown blocks together',
    limit: L.markdownText,
    error: 'invalid_blocks',
    pointer: '/blocks',
    check: (n) =>
      message([
        { type: 'markdown', text: x(n - 6000) },
        { type: 'markdown', text: x(6000) },
      ]),
  },
  {
    name: 'modal title',
    limit: 24,
    error: 'invalid_arguments',
    pointer: '/view/title/text',
    check: (n) => view(modal({ title: plain(x(n)) })),
  },
  {
    name: 'modal submit',
    limit: 24,
    error: 'invalid_arguments',
    pointer: '/view/submit/text',
    check: (n) => view(modal({ submit: plain(x(n)) })),
  },
  {
    name: 'modal close',
    limit: 24,
    error: 'invalid_arguments',
    pointer: '/view/close/text',
    check: (n) => view(modal({ close: plain(x(n)) })),
  },
  {
    name: 'view callback_id',
    limit: 255,
    error: 'invalid_arguments',
    pointer: '/view/callback_id',
    check: (n) => view(modal({ callback_id: x(n) })),
  },
  {
    name: 'view private_metadata',
    limit: 3000,
    error: 'invalid_arguments',
    pointer: '/view/private_metadata',
    check: (n) => view({ type: 'home', blocks: [], private_metadata: x(n) }, 'views.publish'),
  },
  {
    name: 'legacy attachments',
    limit: L.attachments,
    error: 'too_many_attachments',
    pointer: '/attachments',
    check: (n) =>
      validateMessage(
        { attachments: Array.from({ length: n }, () => ({ text: 'a', fallback: 'a' })) },
        'chat.postMessage',
      ),
  },
  {
    name: 'legacy attachment actions',
    limit: 5,
    error: 'invalid_attachments',
    pointer: '/attachments/0/actions',
    check: (n) =>
      validateMessage(
        {
          attachments: [
            {
              fallback: 'a',
              callback_id: 'c',
              actions: Array.from({ length: n }, (_, i) => ({
                name: 'flow_resume',
                text: 'Resume',
                type: 'button',
                value: `k${i}`,
              })),
            },
          ],
        },
        'chat.postMessage',
      ),
  },
  {
    name: 'blocks inside a legacy attachment',
    limit: 3000,
    error: 'invalid_attachments',
    pointer: '/attachments/0/blocks/0/text/text',
    check: (n) => validateMessage({ attachments: [{ blocks: [section(x(n))] }] }, 'chat.postMessage'),
  },
  {
    name: 'serialised blocks (msg_blocks_too_long)',
    limit: L.messageBlocksJson,
    error: 'msg_blocks_too_long',
    pointer: '/blocks',
    check: (n) => message(blocksOfJsonLength(n)),
  },
];

/** Valid sections whose JSON is exactly `length` characters long. */
function blocksOfJsonLength(length: number): unknown[] {
  const blocks: Array<{ type: string; text: { type: string; text: string } }> = [];
  while (JSON.stringify(blocks).length < length) blocks.push(section(x(2500)));
  const last = blocks.at(-1);
  if (last === undefined) throw new Error('no blocks');
  last.text.text = x(last.text.text.length - (JSON.stringify(blocks).length - length));
  expect(JSON.stringify(blocks)).toHaveLength(length);
  return blocks;
}

describe('Block Kit validator: limits', () => {
  it.each(LIMIT_RULES)('$name: $limit passes, one more is refused', (rule) => {
    expect(rule.check(rule.limit)).toBeUndefined();
    const refused = rule.check(rule.limit + 1);
    expect(refused?.error).toBe(rule.error);
    expect(refused?.details.join('\n')).toContain(`[json-pointer:${rule.pointer}]`);
  });

  it('overflow menus need at least one option', () => {
    const overflow = (n: number) =>
      one(
        actions({
          type: 'overflow',
          action_id: 'o',
          options: Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`)),
        }),
      );
    expect(overflow(1)).toBeUndefined();
    expect(overflow(0)?.error).toBe('invalid_blocks');
  });

  it('views.publish takes at most 100 blocks, a message only 50', () => {
    const dividers = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(validateView({ type: 'home', blocks: dividers }, 'views.publish')).toBeUndefined();
    expect(message(dividers)?.error).toBe('invalid_blocks');
  });
});

describe('Block Kit validator: shapes', () => {
  it('refuses empty text objects wherever they are', () => {
    for (const block of [
      section(''),
      { type: 'header', text: plain('') },
      { type: 'context', elements: [mrkdwn('')] },
      actions(button({ text: plain('') })),
      actions(button({ confirm: confirm({ text: mrkdwn('') }) })),
      { type: 'section', fields: [mrkdwn('')] },
    ]) {
      expect(one(block), JSON.stringify(block)).toMatchObject({ error: 'invalid_blocks' });
      expect(one(block)?.details.join()).toContain('must be more than 0 characters');
    }
  });

  it('wants plain_text where Slack does: header, button, confirm title and buttons, option, placeholder', () => {
    for (const block of [
      { type: 'header', text: mrkdwn('*h*') },
      actions(button({ text: mrkdwn('*Go*') })),
      actions(button({ confirm: confirm({ title: mrkdwn('t') }) })),
      actions(button({ confirm: confirm({ deny: mrkdwn('n') }) })),
      actions(select({ options: [{ text: mrkdwn('a'), value: 'a' }] })),
      actions(select({ placeholder: mrkdwn('p') })),
    ]) {
      expect(one(block)?.details.join(), JSON.stringify(block)).toContain('must be plain_text');
    }
    // The confirm dialog's body may be mrkdwn, and checkbox options too.
    expect(one(actions(button({ confirm: confirm({ text: mrkdwn('*sure?*') }) })))).toBeUndefined();
  });

  it('keeps emoji to plain_text and verbatim to mrkdwn', () => {
    expect(one(section('x', { text: { type: 'mrkdwn', text: 'x', emoji: true } }))?.error).toBe(
      'invalid_blocks',
    );
    expect(one({ type: 'header', text: { type: 'plain_text', text: 'h', verbatim: true } })?.error).toBe(
      'invalid_blocks',
    );
    expect(one({ type: 'header', text: { type: 'plain_text', text: 'h', emoji: true } })).toBeUndefined();
  });

  it('knows block and element types, and where each element may go', () => {
    expect(one({ type: 'sectionn', text: mrkdwn('x') })?.details.join()).toContain(
      'unsupported type: sectionn',
    );
    expect(one(actions({ type: 'buton', action_id: 'b', text: plain('x') }))?.error).toBe('invalid_blocks');
    expect(one(actions({ type: 'plain_text_input', action_id: 'i' }))?.error).toBe('invalid_blocks');
    expect(one({ type: 'context', elements: [button()] })?.error).toBe('invalid_blocks');
    expect(
      one(section('x', { accessory: { type: 'image', image_url: 'https://e/a.png', alt_text: 'a' } })),
    ).toBe(undefined);
    // markdown and file blocks belong to messages only.
    expect(validateView(modal({ blocks: [{ type: 'markdown', text: 'x' }] }), 'views.open')?.error).toBe(
      'invalid_arguments',
    );
  });

  it('wants a section to have text or fields, and a type on every block', () => {
    expect(one({ type: 'section' })?.details.join()).toContain('must provide either text or fields');
    expect(one({ text: mrkdwn('x') })?.error).toBe('invalid_blocks');
    expect(message(['divider'])?.error).toBe('invalid_blocks');
  });

  it('wants block_ids unique in the message and action_ids unique in their block', () => {
    expect(
      message([section('a', { block_id: 'b1' }), section('b', { block_id: 'b1' })])?.details.join(),
    ).toContain('duplicate block_id: b1');
    expect(one(actions(button(), button()))?.details.join()).toContain('duplicate action_id: b');
    expect(message([actions(button()), actions(button())])).toBeUndefined();
    expect(one(section('x', { accessory: button({ action_id: 'a' }) }))).toBeUndefined();
  });

  it('checks a confirm dialog has all four parts and a known style', () => {
    const { deny: _deny, ...noDeny } = confirm();
    expect(one(actions(button({ confirm: noDeny })))?.details.join()).toContain(
      'missing required field: deny',
    );
    expect(one(actions(button({ confirm: confirm({ style: 'green' }) })))?.error).toBe('invalid_blocks');
    expect(one(actions(button({ style: 'secondary' })))?.error).toBe('invalid_blocks');
  });

  it('wants initial options to be among the options, and options or option_groups (not both)', () => {
    expect(one(actions(select({ initial_option: option('a', 'a') })))).toBeUndefined();
    expect(one(actions(select({ initial_option: option('z', 'z') })))?.details.join()).toContain(
      'must match one of the options',
    );
    expect(
      one(actions(select({ option_groups: [{ label: plain('g'), options: [option('a', 'a')] }] })))?.error,
    ).toBe('invalid_blocks');
    expect(one(actions({ type: 'external_select', action_id: 'flow_key', placeholder: plain('Key') }))).toBe(
      undefined,
    );
  });

  it('answers no_text when there is nothing to show, except for a response_url delete', () => {
    expect(validateMessage({}, 'chat.postMessage')?.error).toBe('no_text');
    expect(validateMessage({ text: '' }, 'chat.postEphemeral')?.error).toBe('no_text');
    expect(validateMessage({ text: '', blocks: [] }, 'chat.update')?.error).toBe('no_text');
    expect(validateMessage({ blocks: [section('x')] }, 'chat.update')).toBeUndefined();
    expect(validateMessage({ delete_original: true }, 'response_url')).toBeUndefined();
    expect(validateMessage({ replace_original: true }, 'response_url')?.error).toBe('no_text');
  });

  it('answers invalid_blocks_format for blocks that are not a JSON array', () => {
    expect(validateMessage({ text: 'x', blocks: '[{"type":' }, 'chat.postMessage')?.error).toBe(
      'invalid_blocks_format',
    );
    expect(validateMessage({ text: 'x', blocks: { type: 'divider' } }, 'chat.postMessage')?.error).toBe(
      'invalid_blocks_format',
    );
    // The WebClient sends blocks as a JSON string inside the form: that is fine.
    expect(validateMessage({ text: 'x', blocks: JSON.stringify([section('x')]) }, 'chat.postMessage')).toBe(
      undefined,
    );
  });

  it('checks legacy attachments: old-style fields and actions, blocks inside them', () => {
    const post = (attachment: unknown) => validateMessage({ attachments: [attachment] }, 'chat.postMessage');
    expect(
      post({
        fallback: 'orders-eu paused',
        color: 'danger',
        title: 'Paused',
        text: 'orders-eu',
        fields: [{ title: 'Key', value: 'orders-eu', short: true }],
        mrkdwn_in: ['text'],
        callback_id: 'alert',
        actions: [
          { name: 'flow_resume', text: 'Resume', type: 'button', value: 'orders-eu', style: 'primary' },
        ],
        ts: 1700000000,
      }),
    ).toBeUndefined();
    expect(post({ fields: [{ title: 'Key', value: 7 }] })?.error).toBe('invalid_attachments');
    expect(post({ fields: [{ title: 'Key', short: 'yes' }] })?.error).toBe('invalid_attachments');
    expect(post({ actions: [{ name: 'x', text: 'Go' }] })?.details.join()).toContain(
      'missing required field: type',
    );
    expect(post({ blocks: [{ type: 'nope' }] })?.error).toBe('invalid_attachments');
    expect(validateMessage({ attachments: 'nope' }, 'chat.postMessage')?.error).toBe('invalid_attachments');
  });

  it('checks views: the type each method needs, submit with inputs, the title', () => {
    expect(validateView({ type: 'home', blocks: [section('x')] }, 'views.publish')).toBeUndefined();
    expect(validateView(modal(), 'views.publish')?.details.join()).toContain('must be home');
    expect(validateView({ type: 'home', blocks: [] }, 'views.open')?.error).toBe('invalid_arguments');
    expect(validateView(undefined, 'views.open')?.details.join()).toContain('missing required field: view');
    expect(validateView(modal({ title: undefined }), 'views.open')?.details.join()).toContain(
      'missing required field: title',
    );
    const input = {
      type: 'input',
      label: plain('Key'),
      element: { type: 'plain_text_input', action_id: 'k' },
    };
    expect(validateView(modal({ blocks: [input] }), 'views.open')?.details.join()).toContain('submit');
    expect(validateView(modal({ blocks: [input], submit: plain('Pause') }), 'views.open')).toBeUndefined();
    expect(validateView(JSON.stringify(modal()), 'views.push')).toBeUndefined();
  });

  it('refuses a response_type Slack does not know', () => {
    expect(validateMessage({ text: 'x', response_type: 'public' }, 'response_url')?.error).toBe(
      'invalid_payload',
    );
    expect(validateMessage({ text: 'x', response_type: 'in_channel' }, 'response_url')).toBeUndefined();
  });

  it('counts an emoji as two characters, so that it errs on the strict side', () => {
    expect(one({ type: 'header', text: plain('🚨'.repeat(75)) })).toBeUndefined();
    expect(one({ type: 'header', text: plain(`🚨${'🚨'.repeat(75)}`) })?.error).toBe('invalid_blocks');
  });
});
