import type { KnownBlock } from '@slack/types';
import type { SlackMessage } from './types.js';

/**
 * Slack's Block Kit limits that every message Flowbot sends must respect, in characters (UTF-16 code units, as
 * JavaScript counts: an emoji counts two, which can only err on the safe side). Source: Slack's Block Kit
 * reference (section, context, header, button, confirm dialog) and `reference/slack-facts.md`.
 */
export const BLOCK_LIMITS = {
  blocks: 50,
  /** Blocks in a view: a modal or the Home tab. */
  viewBlocks: 100,
  /** A view's title, and its submit and close buttons' texts. */
  viewTitle: 24,
  /** An input block's label and hint. */
  inputLabel: 2_000,
  sectionText: 3_000,
  fieldText: 2_000,
  fields: 10,
  contextText: 3_000,
  contextElements: 10,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  buttonValue: 2_000,
  /**
   * Slack refuses a message whose blocks are too large together (`msg_blocks_too_long`), at a size it does not
   * document: reports put it near 13,200 characters of serialised blocks (slackapi/bolt-js#2509, #2867).
   * Flowbot keeps well below that.
   */
  blocksJson: 12_000,
  /**
   * The top-level `text`, used for notifications and screen readers. Slack takes up to 40,000 but advises
   * keeping it under 4,000.
   */
  fallbackText: 4_000,
} as const;

const ELLIPSIS = '…';

/**
 * Cuts finished mrkdwn (already escaped and joined) to at most `max` characters, ending in "…". The cut never
 * falls inside an entity (`&amp;`), inside Flowbot's own `<…>` markup (a mention, date or link: outside text
 * is escaped, so every `<` left is Flowbot's), or between the halves of an emoji, and an inline code span
 * left open by the cut is closed.
 */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - ELLIPSIS.length - 1);
  const high = text.charCodeAt(cut - 1);
  if (high >= 0xd800 && high <= 0xdbff) cut -= 1;
  let head = text.slice(0, cut);
  const entity = /&[a-z#0-9]*$/i.exec(head);
  if (entity) head = head.slice(0, entity.index);
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  const lastLine = head.slice(head.lastIndexOf('\n') + 1);
  const ticks = (lastLine.match(/`/g) ?? []).length;
  return ticks % 2 === 1 ? `${head}\`${ELLIPSIS}` : `${head}${ELLIPSIS}`;
}

type TextObject = { type: string; text: string; [field: string]: unknown };

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isText(value: unknown): value is TextObject {
  return (
    isObject(value) &&
    (value.type === 'mrkdwn' || value.type === 'plain_text') &&
    typeof value.text === 'string'
  );
}

function fitObject(value: unknown, max: number): unknown {
  if (!isText(value)) return value;
  return { ...value, text: fitText(value.text, max) };
}

/**
 * A button whose value is over Slack's limit would make Slack refuse the whole message: such a button is
 * left out instead (its value is data, never cut). Keys come from QStash's list, where publishers choose
 * their length; the builders offer no button for a key Flowbot can't address, and this keeps any other
 * oversized value from costing the message.
 */
function keptElement(element: unknown): boolean {
  return !(
    isObject(element) &&
    typeof element.value === 'string' &&
    element.value.length > BLOCK_LIMITS.buttonValue
  );
}

function fitElement(element: unknown): unknown {
  if (!isObject(element)) return element;
  const out: Record<string, unknown> = { ...element };
  if (element.type === 'button') out.text = fitObject(element.text, BLOCK_LIMITS.buttonText);
  if (isObject(element.confirm)) {
    const confirm = element.confirm;
    out.confirm = {
      ...confirm,
      title: fitObject(confirm.title, BLOCK_LIMITS.confirmTitle),
      text: fitObject(confirm.text, BLOCK_LIMITS.confirmText),
      confirm: fitObject(confirm.confirm, BLOCK_LIMITS.confirmButton),
      deny: fitObject(confirm.deny, BLOCK_LIMITS.confirmButton),
    };
  }
  return out;
}

/** Context takes 10 elements: the texts past the ninth share the tenth, joined as one line. */
function fitContextElements(elements: readonly unknown[]): unknown[] {
  const limit = BLOCK_LIMITS.contextElements;
  let list = [...elements];
  if (list.length > limit && list.slice(limit - 1).every(isText)) {
    const rest = list.slice(limit - 1) as TextObject[];
    list = [...list.slice(0, limit - 1), { type: 'mrkdwn', text: rest.map((e) => e.text).join(' · ') }];
  }
  return list.slice(0, limit).map((element) => fitObject(element, BLOCK_LIMITS.contextText));
}

function fitBlock(block: KnownBlock): KnownBlock {
  const b = block as unknown as Record<string, unknown>;
  switch (b.type) {
    case 'section': {
      const out: Record<string, unknown> = { ...b };
      if (b.text !== undefined) out.text = fitObject(b.text, BLOCK_LIMITS.sectionText);
      if (Array.isArray(b.fields))
        out.fields = b.fields.slice(0, BLOCK_LIMITS.fields).map((f) => fitObject(f, BLOCK_LIMITS.fieldText));
      if (b.accessory !== undefined) {
        if (keptElement(b.accessory)) out.accessory = fitElement(b.accessory);
        else delete out.accessory;
      }
      return out as unknown as KnownBlock;
    }
    case 'header':
      return { ...b, text: fitObject(b.text, BLOCK_LIMITS.headerText) } as unknown as KnownBlock;
    case 'input':
      return {
        ...b,
        label: fitObject(b.label, BLOCK_LIMITS.inputLabel),
        ...(b.hint !== undefined ? { hint: fitObject(b.hint, BLOCK_LIMITS.inputLabel) } : {}),
      } as unknown as KnownBlock;
    case 'context':
      return Array.isArray(b.elements)
        ? ({ ...b, elements: fitContextElements(b.elements) } as unknown as KnownBlock)
        : block;
    case 'actions':
      return Array.isArray(b.elements)
        ? ({
            ...b,
            elements: b.elements.filter(keptElement).slice(0, BLOCK_LIMITS.actionsElements).map(fitElement),
          } as unknown as KnownBlock)
        : block;
    default:
      return block;
  }
}

/**
 * A view's blocks (a modal's, the Home tab's) as Slack will accept them: at most 100, each text cut to its
 * block's limit after escaping and joining. Views have no total size near a message's, so nothing more is cut.
 */
export function fittedViewBlocks<B>(blocks: readonly B[]): B[] {
  return structuredClone(blocks.slice(0, BLOCK_LIMITS.viewBlocks)).map(
    (block) => fitBlock(block as unknown as KnownBlock) as unknown as B,
  );
}

/** A view's title, submit or close text (plain_text, at most 24 characters). */
export function fitViewTitle(value: unknown): unknown {
  return fitObject(value, BLOCK_LIMITS.viewTitle);
}

/**
 * Every text in the blocks (text objects, and the text runs of rich_text blocks another system wrote), for
 * shortening the longest while the whole is too large.
 */
function textsOf(value: unknown, into: TextObject[] = []): TextObject[] {
  if (Array.isArray(value)) for (const item of value) textsOf(item, into);
  else if (isObject(value)) {
    if (isText(value) || (value.type === 'text' && typeof value.text === 'string'))
      into.push(value as TextObject);
    else for (const field of Object.values(value)) textsOf(field, into);
  }
  return into;
}

/** Below this a text is not shortened further: a message of many short texts is cut by its builder instead. */
const SHORTEST_CUT = 200;

/**
 * The last step of every builder: the message as Slack will accept it, whatever went in. Each text is cut to
 * its block's limit after escaping and joining; then, while the blocks together are over Slack's total size,
 * the longest text is shortened; at most 50 blocks are kept. Button values and ids are never cut: they are
 * data, kept whole by the builders; a button whose value is over Slack's limit is left out.
 */
export function fitted(message: SlackMessage): SlackMessage {
  // A copy: shortening texts below must not change the builder's inputs (an original message's blocks).
  const blocks = structuredClone(message.blocks.slice(0, BLOCK_LIMITS.blocks))
    .map(fitBlock)
    // Slack refuses an actions block with no elements: one whose every button was left out goes too.
    .filter((block) => !(block.type === 'actions' && isEmptyList(block.elements)));
  let size = JSON.stringify(blocks).length;
  while (size > BLOCK_LIMITS.blocksJson) {
    const longest = textsOf(blocks).reduce<TextObject | undefined>(
      (best, t) => (best === undefined || t.text.length > best.text.length ? t : best),
      undefined,
    );
    if (longest === undefined || longest.text.length <= SHORTEST_CUT) break;
    const target = Math.max(SHORTEST_CUT, longest.text.length - (size - BLOCK_LIMITS.blocksJson) - 16);
    longest.text = fitText(longest.text, target);
    size = JSON.stringify(blocks).length;
  }
  return {
    text: fitText(message.text, BLOCK_LIMITS.fallbackText),
    blocks,
    ...(message.attachments ? { attachments: message.attachments } : {}),
  };
}
