import { EMOJI } from './emoji.js';

/**
 * Block Kit and mrkdwn as Slack shows them, turned into a small tree instead of HTML: text stays text until
 * the browser makes a text node of it (or `toHtml` escapes it), so nothing a message says can become markup.
 * No DOM here, so the same code runs in the page and in unit tests.
 */

export type Tag =
  | 'div'
  | 'span'
  | 'b'
  | 'i'
  | 's'
  | 'code'
  | 'pre'
  | 'blockquote'
  | 'a'
  | 'br'
  | 'hr'
  | 'button'
  | 'time'
  | 'label'
  | 'input'
  | 'select'
  | 'option';

export interface VElement {
  readonly tag: Tag;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly children?: readonly VNode[];
}

export type VNode = string | VElement;

export interface RenderContext {
  /** User ID → display name, for `<@U…>`. */
  readonly users?: Readonly<Record<string, string>>;
  /** Channel ID → name, for `<#C…>`. */
  readonly channels?: Readonly<Record<string, string>>;
  /** User-group ID → handle, for `<!subteam^S…>`. */
  readonly groups?: Readonly<Record<string, string>>;
  /** How `<!date^…>` is shown; without it, its fallback text (what clients that can't format dates show). */
  readonly formatDate?: (seconds: number, format: string, fallback: string) => string;
  /** For a modal's input blocks: what has been entered, errors to show, and the conversations to pick from. */
  readonly form?: FormContext;
}

/** One input's value as the page keeps it. */
export interface FormValue {
  readonly value?: string;
  readonly option?: { readonly text: string; readonly value: string };
  readonly conversation?: string;
}

export interface FormContext {
  /** By block_id. */
  readonly values: Readonly<Record<string, FormValue>>;
  /** By block_id, from a submission's `response_action: errors`. */
  readonly errors?: Readonly<Record<string, string>>;
  readonly conversations: readonly { readonly id: string; readonly name: string }[];
  /** What `default_to_current_conversation` picks. */
  readonly currentConversation?: string;
}

/** Where a button sits in a message, so a click can name it without trusting what the page says it carries. */
export interface ButtonPath {
  readonly block: number;
  /** An index into an actions block's elements, or `accessory` for a section's button. */
  readonly element: number | 'accessory';
}

const el = (tag: Tag, attrs?: Record<string, string>, children?: VNode[]): VElement => ({
  tag,
  ...(attrs ? { attrs } : {}),
  ...(children ? { children } : {}),
});

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&' };

/** Slack escapes exactly these three in message text; one pass, so `&amp;lt;` stays `&lt;`. */
export function unescapeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp);/g, (_, name: string) => ENTITIES[name] ?? '');
}

export function emojify(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

function textRun(raw: string): VNode[] {
  const text = emojify(unescapeEntities(raw));
  return text === '' ? [] : [text];
}

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

function mentionNode(text: string, kind: string): VElement {
  return el('span', { class: `sk-mention sk-mention-${kind}` }, [text]);
}

/** `<…>`: links, mentions, channels, special mentions and dates. What is none of these is shown as written. */
function token(inner: string, ctx: RenderContext): VNode[] {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : unescapeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return [mentionNode(`@${ctx.users?.[id] ?? label ?? id}`, 'user')];
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return [mentionNode(`#${ctx.channels?.[id] ?? label ?? id}`, 'channel')];
  }
  if (target.startsWith('!')) {
    const [command = '', ...rest] = target.slice(1).split('^');
    if (command === 'here' || command === 'channel' || command === 'everyone')
      return [mentionNode(`@${command}`, 'special')];
    if (command === 'subteam') {
      const id = rest[0] ?? '';
      const handle = ctx.groups?.[id] ?? label?.replace(/^@/, '') ?? id;
      return [mentionNode(`@${handle}`, 'group')];
    }
    if (command === 'date') {
      const seconds = Number(rest[0]);
      const format = rest[1] ?? '{date}';
      const fallback = label ?? rest[0] ?? '';
      const shown =
        Number.isFinite(seconds) && ctx.formatDate ? ctx.formatDate(seconds, format, fallback) : fallback;
      const attrs: Record<string, string> = { class: 'sk-date', title: fallback };
      if (Number.isFinite(seconds)) attrs.datetime = new Date(seconds * 1000).toISOString();
      return [el('time', attrs, [shown])];
    }
    return [label ?? `@${command}`];
  }
  const url = unescapeEntities(target);
  if (SAFE_LINK.test(url)) {
    return [el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, [label ?? url])];
  }
  // `<script>` and the like are not Slack syntax; Slack shows them as text, and so does this.
  return [`<${unescapeEntities(inner)}>`];
}

/** Inside code, formatting and emoji are off; tokens show their label, entities are unescaped. */
function codeText(raw: string): string {
  return unescapeEntities(
    raw.replace(/<([^<>\n]+)>/g, (_, inner: string) => {
      const bar = inner.indexOf('|');
      if (bar !== -1) return inner.slice(bar + 1);
      return inner.startsWith('@') || inner.startsWith('#') ? inner : `<${inner}>`;
    }),
  );
}

type Marker = '*' | '_' | '~';
const MARKER_TAG: Record<Marker, Tag> = { '*': 'b', _: 'i', '~': 's' };
const OPEN_AFTER = /[\s([{"'“‘.,;:!?/\-–—]/;
const CLOSE_BEFORE = /[\s)\]}"'”’.,;:!?/\-–—…*_~]/;

function canOpen(prev: string | undefined, next: string | undefined, marker: Marker): boolean {
  return (
    (prev === undefined || OPEN_AFTER.test(prev)) && next !== undefined && !/\s/.test(next) && next !== marker
  );
}

function canClose(prev: string | undefined, next: string | undefined): boolean {
  return prev !== undefined && !/\s/.test(prev) && (next === undefined || CLOSE_BEFORE.test(next));
}

function hasCloser(line: string, from: number, marker: Marker): boolean {
  for (let j = from + 1; j < line.length; j++) {
    if (line[j] === marker && canClose(line[j - 1], line[j + 1])) return true;
  }
  return false;
}

/** One line of mrkdwn: code spans and tokens first, then *bold*, _italic_ and ~strike~ around them. */
function inline(line: string, ctx: RenderContext): VNode[] {
  const root: VNode[] = [];
  const stack: { marker: Marker; children: VNode[] }[] = [];
  const out = (): VNode[] => stack[stack.length - 1]?.children ?? root;
  let text = '';
  const flush = () => {
    if (text !== '') out().push(...textRun(text));
    text = '';
  };
  const unwind = () => {
    const frame = stack.pop();
    if (frame) out().push(frame.marker, ...frame.children);
  };
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === '`') {
      const end = line.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out().push(el('code', { class: 'sk-code' }, [codeText(line.slice(i + 1, end))]));
        i = end + 1;
        continue;
      }
    } else if (ch === '<') {
      const end = line.indexOf('>', i + 1);
      const inner = end === -1 ? '' : line.slice(i + 1, end);
      if (inner !== '' && !inner.includes('<')) {
        flush();
        out().push(...token(inner, ctx));
        i = end + 1;
        continue;
      }
    } else if (ch === '*' || ch === '_' || ch === '~') {
      const prev = line[i - 1];
      const next = line[i + 1];
      const open = stack.map((frame) => frame.marker).lastIndexOf(ch);
      if (open !== -1 && canClose(prev, next)) {
        flush();
        while (stack.length - 1 > open) unwind();
        const frame = stack.pop();
        if (frame) out().push(el(MARKER_TAG[ch], undefined, frame.children));
        i += 1;
        continue;
      }
      if (canOpen(prev, next, ch) && hasCloser(line, i, ch)) {
        flush();
        stack.push({ marker: ch, children: [] });
        i += 1;
        continue;
      }
    }
    text += ch;
    i += 1;
  }
  flush();
  while (stack.length > 0) unwind();
  return mergeText(root);
}

/** Unwound markers leave neighbouring strings; joined, the tree (and its tests) stay simple. */
function mergeText(nodes: VNode[]): VNode[] {
  const merged: VNode[] = [];
  for (const node of nodes) {
    const last = merged[merged.length - 1];
    if (typeof node === 'string' && typeof last === 'string') merged[merged.length - 1] = last + node;
    else merged.push(node);
  }
  return merged;
}

const QUOTE = /^(>|&gt;) ?/;

function lines(segment: string, ctx: RenderContext): VNode[] {
  const out: VNode[] = [];
  const rows = segment.split('\n');
  let quote: VNode[] | undefined;
  const endQuote = () => {
    if (quote) out.push(el('blockquote', { class: 'sk-quote' }, quote));
    quote = undefined;
  };
  rows.forEach((row, index) => {
    const quoted = QUOTE.exec(row);
    if (quoted) {
      if (quote) quote.push(el('br'));
      else quote = [];
      quote.push(...inline(row.slice(quoted[0].length), ctx));
      return;
    }
    endQuote();
    out.push(...inline(row, ctx));
    // A quote ends its own line; other rows are joined by line breaks.
    const following = rows[index + 1];
    if (following !== undefined && !QUOTE.test(following)) out.push(el('br'));
  });
  endQuote();
  return out;
}

/** A mrkdwn text object's content. */
export function renderMrkdwn(text: string, ctx: RenderContext = {}): VNode[] {
  const out: VNode[] = [];
  const fence = /```([\s\S]*?)```/g;
  let last = 0;
  // A fenced block is a block of its own: the line breaks right around it belong to it.
  const prose = (part: string, afterFence: boolean, beforeFence: boolean) => {
    let trimmed = afterFence ? part.replace(/^\n/, '') : part;
    if (beforeFence) trimmed = trimmed.replace(/\n$/, '');
    if (trimmed !== '') out.push(...lines(trimmed, ctx));
  };
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    prose(text.slice(last, match.index), last > 0, true);
    const body = (match[1] ?? '').replace(/^\n/, '').replace(/\n$/, '');
    out.push(el('pre', { class: 'sk-pre' }, [codeText(body)]));
    last = match.index + match[0].length;
  }
  prose(text.slice(last), last > 0, false);
  return out;
}

/** plain_text is shown as written; only emoji shortcodes are turned into emoji (unless `emoji` is false). */
export function renderPlainText(text: string, emoji = true): VNode[] {
  const shown = emoji ? emojify(text) : text;
  return shown === '' ? [] : [shown];
}

interface TextObject {
  readonly type?: unknown;
  readonly text?: unknown;
  readonly emoji?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function renderTextObject(value: unknown, ctx: RenderContext = {}): VNode[] {
  if (!isRecord(value)) return [];
  const object = value as TextObject;
  const text = typeof object.text === 'string' ? object.text : '';
  return object.type === 'plain_text'
    ? renderPlainText(text, object.emoji !== false)
    : renderMrkdwn(text, ctx);
}

/** The plain words of a text object, for labels (button text, dialog buttons). */
export function textOf(value: unknown): string {
  if (!isRecord(value)) return '';
  const text = typeof value.text === 'string' ? value.text : '';
  return value.type === 'plain_text' ? emojify(text) : emojify(unescapeEntities(text));
}

const BUTTON_STYLES = new Set(['primary', 'danger']);

function button(element: Record<string, unknown>, path: ButtonPath, blockId: string | undefined): VElement {
  const style = typeof element.style === 'string' && BUTTON_STYLES.has(element.style) ? element.style : '';
  const attrs: Record<string, string> = {
    class: `sk-button${style ? ` sk-button-${style}` : ''}`,
    type: 'button',
    'data-block': String(path.block),
    'data-element': String(path.element),
  };
  if (typeof element.action_id === 'string') attrs['data-action-id'] = element.action_id;
  if (blockId !== undefined) attrs['data-block-id'] = blockId;
  if (isRecord(element.confirm)) attrs['data-confirm'] = 'true';
  if (typeof element.url === 'string' && SAFE_LINK.test(element.url)) attrs['data-url'] = element.url;
  return el('button', attrs, renderPlainText(textOf(element.text) || 'Button', false));
}

function unsupported(what: string): VElement {
  return el('span', { class: 'sk-unsupported' }, [`[${what}]`]);
}

function element(value: unknown, ctx: RenderContext, path: ButtonPath, blockId: string | undefined): VNode[] {
  if (!isRecord(value)) return [];
  switch (value.type) {
    case 'button':
      return [button(value, path, blockId)];
    case 'mrkdwn':
    case 'plain_text':
      return [el('span', { class: 'sk-context-text' }, renderTextObject(value, ctx))];
    case 'image':
      return [
        el('span', { class: 'sk-image-alt' }, [
          `🖼️ ${typeof value.alt_text === 'string' ? value.alt_text : 'image'}`,
        ]),
      ];
    default:
      return [unsupported(typeof value.type === 'string' ? value.type : 'element')];
  }
}

function optionOf(value: unknown): { text: string; value: string } | undefined {
  if (!isRecord(value) || typeof value.value !== 'string') return undefined;
  return { text: textOf(value.text), value: value.value };
}

/** What an input starts with: what the person entered, else the element's initial value. */
export function initialFormValue(element: unknown, form?: FormContext): FormValue {
  if (!isRecord(element)) return {};
  if (typeof element.initial_value === 'string') return { value: element.initial_value };
  const option = optionOf(element.initial_option);
  if (option) return { option };
  if (typeof element.initial_conversation === 'string') return { conversation: element.initial_conversation };
  if (element.default_to_current_conversation === true && form?.currentConversation)
    return { conversation: form.currentConversation };
  return {};
}

/** An input block's element, showing the value entered so far; `data-*` attributes let the page wire it. */
function inputElement(
  element: Record<string, unknown>,
  blockId: string,
  dispatch: boolean,
  form?: FormContext,
): VNode[] {
  const current = form?.values[blockId] ?? initialFormValue(element, form);
  const actionId = typeof element.action_id === 'string' ? element.action_id : blockId;
  const common: Record<string, string> = {
    'data-block-id': blockId,
    'data-action-id': actionId,
    'data-kind': typeof element.type === 'string' ? element.type : 'unknown',
    ...(dispatch ? { 'data-dispatch': 'true' } : {}),
  };
  const placeholder = textOf(element.placeholder);
  const options = Array.isArray(element.options)
    ? element.options.map(optionOf).filter((o) => o !== undefined)
    : [];
  switch (element.type) {
    case 'plain_text_input':
    case 'number_input': {
      const attrs: Record<string, string> = {
        ...common,
        class: 'sk-input',
        type: element.type === 'number_input' ? 'number' : 'text',
        value: current.value ?? '',
      };
      if (placeholder) attrs.placeholder = placeholder;
      if (typeof element.max_length === 'number') attrs.maxlength = String(element.max_length);
      if (typeof element.min_value === 'string') attrs.min = element.min_value;
      if (typeof element.max_value === 'string') attrs.max = element.max_value;
      return [el('input', attrs)];
    }
    case 'static_select':
      return [
        el('select', { ...common, class: 'sk-select' }, [
          el('option', { value: '' }, [placeholder || 'Choose an option']),
          ...options.map((option) =>
            el(
              'option',
              { value: option.value, ...(current.option?.value === option.value ? { selected: '' } : {}) },
              [option.text],
            ),
          ),
        ]),
      ];
    case 'conversations_select': {
      const conversations = form?.conversations ?? [];
      return [
        el('select', { ...common, class: 'sk-select' }, [
          el('option', { value: '' }, ['Choose a conversation']),
          ...conversations.map((conversation) =>
            el(
              'option',
              {
                value: conversation.id,
                ...(current.conversation === conversation.id ? { selected: '' } : {}),
              },
              [`# ${conversation.name}`],
            ),
          ),
        ]),
      ];
    }
    case 'external_select':
      return [
        el('div', { class: 'sk-external' }, [
          el('input', {
            ...common,
            class: 'sk-input',
            type: 'search',
            autocomplete: 'off',
            role: 'combobox',
            'aria-label': placeholder || 'Search',
            value: current.option?.text ?? '',
            ...(placeholder ? { placeholder } : {}),
            ...(current.option ? { 'data-value': current.option.value } : {}),
          }),
          el('div', { class: 'sk-suggestions', role: 'listbox', 'data-for': blockId }, []),
        ]),
      ];
    case 'radio_buttons':
      return [
        el(
          'div',
          { class: 'sk-radios' },
          options.map((option) =>
            el('label', { class: 'sk-radio' }, [
              el('input', {
                ...common,
                type: 'radio',
                name: blockId,
                value: option.value,
                'data-text': option.text,
                ...(current.option?.value === option.value ? { checked: '' } : {}),
              }),
              ` ${option.text}`,
            ]),
          ),
        ),
      ];
    default:
      return [unsupported(typeof element.type === 'string' ? element.type : 'element')];
  }
}

function block(value: unknown, index: number, ctx: RenderContext): VNode[] {
  if (!isRecord(value)) return [];
  const blockId = typeof value.block_id === 'string' ? value.block_id : undefined;
  switch (value.type) {
    case 'input': {
      const id = blockId ?? `input${index}`;
      const element = isRecord(value.element) ? value.element : {};
      const error = ctx.form?.errors?.[id];
      const children: VNode[] = [
        el('label', { class: 'sk-label' }, [
          textOf(value.label),
          ...(value.optional === true ? [el('span', { class: 'sk-optional' }, [' (optional)'])] : []),
        ]),
        ...inputElement(element, id, value.dispatch_action === true, ctx.form),
      ];
      if (value.hint !== undefined) children.push(el('div', { class: 'sk-hint' }, [textOf(value.hint)]));
      if (error) children.push(el('div', { class: 'sk-error', role: 'alert' }, [error]));
      return [
        el(
          'div',
          { class: `sk-block sk-input-block${error ? ' sk-invalid' : ''}`, 'data-block-id': id },
          children,
        ),
      ];
    }
    case 'section': {
      const main: VNode[] = [];
      if (value.text !== undefined)
        main.push(el('div', { class: 'sk-text' }, renderTextObject(value.text, ctx)));
      if (Array.isArray(value.fields)) {
        main.push(
          el(
            'div',
            { class: 'sk-fields' },
            value.fields.map((field) => el('div', { class: 'sk-field' }, renderTextObject(field, ctx))),
          ),
        );
      }
      const children: VNode[] = [el('div', { class: 'sk-section-main' }, main)];
      if (value.accessory !== undefined) {
        children.push(
          el(
            'div',
            { class: 'sk-accessory' },
            element(value.accessory, ctx, { block: index, element: 'accessory' }, blockId),
          ),
        );
      }
      return [el('div', { class: 'sk-block sk-section' }, children)];
    }
    case 'context': {
      const elements = Array.isArray(value.elements) ? value.elements : [];
      return [
        el(
          'div',
          { class: 'sk-block sk-context' },
          elements.flatMap((item, at) => element(item, ctx, { block: index, element: at }, blockId)),
        ),
      ];
    }
    case 'actions': {
      const elements = Array.isArray(value.elements) ? value.elements : [];
      return [
        el(
          'div',
          { class: 'sk-block sk-actions' },
          elements.flatMap((item, at) => element(item, ctx, { block: index, element: at }, blockId)),
        ),
      ];
    }
    case 'header':
      return [el('div', { class: 'sk-block sk-header' }, renderTextObject(value.text, ctx))];
    case 'divider':
      return [el('hr', { class: 'sk-block sk-divider' })];
    case 'image':
      return [
        el('div', { class: 'sk-block sk-image' }, [
          `🖼️ ${typeof value.alt_text === 'string' ? value.alt_text : 'image'}`,
        ]),
      ];
    default:
      return [
        el('div', { class: 'sk-block' }, [
          unsupported(typeof value.type === 'string' ? `${value.type} block` : 'block'),
        ]),
      ];
  }
}

export function renderBlocks(blocks: unknown, ctx: RenderContext = {}): VNode[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((value, index) => block(value, index, ctx));
}

/** A message as Slack shows it: its blocks when it has any, otherwise its text as mrkdwn. */
export function renderMessage(
  message: { readonly text?: unknown; readonly blocks?: unknown },
  ctx: RenderContext = {},
): VNode[] {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) return renderBlocks(message.blocks, ctx);
  const text = typeof message.text === 'string' ? message.text : '';
  return [el('div', { class: 'sk-block sk-text' }, renderMrkdwn(text, ctx))];
}

/** The button a path names, if the message still has one there. */
export function buttonAt(blocks: unknown, path: ButtonPath): Record<string, unknown> | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const owner: unknown = blocks[path.block];
  if (!isRecord(owner)) return undefined;
  const found =
    path.element === 'accessory'
      ? owner.accessory
      : Array.isArray(owner.elements)
        ? owner.elements[path.element]
        : undefined;
  return isRecord(found) && found.type === 'button' ? found : undefined;
}

export interface ConfirmDialog {
  readonly title: string;
  readonly text: VNode[];
  readonly confirm: string;
  readonly deny: string;
  readonly style: 'primary' | 'danger' | undefined;
}

/** A button's `confirm` object, with Slack's defaults for what it leaves out. */
export function confirmDialog(confirm: unknown, ctx: RenderContext = {}): ConfirmDialog | undefined {
  if (!isRecord(confirm)) return undefined;
  return {
    title: textOf(confirm.title) || 'Are you sure?',
    text: renderTextObject(confirm.text, ctx),
    confirm: textOf(confirm.confirm) || 'Yes',
    deny: textOf(confirm.deny) || 'Cancel',
    style: confirm.style === 'danger' || confirm.style === 'primary' ? confirm.style : undefined,
  };
}

const VOID: ReadonlySet<Tag> = new Set(['br', 'hr', 'input']);

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The tree as HTML, every text and attribute value escaped. */
export function toHtml(nodes: readonly VNode[]): string {
  return nodes
    .map((node) => {
      if (typeof node === 'string') return escapeHtml(node);
      const attrs = Object.entries(node.attrs ?? {})
        .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
        .join('');
      if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
      return `<${node.tag}${attrs}>${toHtml(node.children ?? [])}</${node.tag}>`;
    })
    .join('');
}

/** What a reader sees, without markup: for tests and for the text of notifications. */
export function plainText(nodes: readonly VNode[]): string {
  return nodes
    .map((node) => {
      if (typeof node === 'string') return node;
      if (node.tag === 'br') return '\n';
      return plainText(node.children ?? []);
    })
    .join('');
}

const WEEKDAY = new Intl.DateTimeFormat('en-US', { weekday: 'long' });

function dayNumber(date: Date): number {
  return Math.floor(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86_400_000);
}

/**
 * Slack's `<!date>` tokens in the reader's time zone, for the common ones; anything else in the format is
 * kept as written. `now` decides what "Today" and "Yesterday" mean.
 */
export function formatSlackDate(seconds: number, format: string, now: Date = new Date()): string {
  const at = new Date(seconds * 1000);
  const days = dayNumber(now) - dayNumber(at);
  const pretty = (fallback: string) =>
    days === 0 ? 'Today' : days === 1 ? 'Yesterday' : days === -1 ? 'Tomorrow' : fallback;
  const dateShort = at.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
  const dateLong = at.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric' });
  const dateLongFull = `${WEEKDAY.format(at)}, ${dateLong}`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    date_num: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`,
    date: dateLong,
    date_short: dateShort,
    date_long: dateLongFull,
    date_pretty: pretty(dateLong),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLongFull),
    time: at.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' }),
    time_secs: at.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit' }),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
