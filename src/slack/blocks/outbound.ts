import { BLOCK_LIMITS, fitText, fitted, fittedViewBlocks, fitViewTitle } from './fit.js';
import type { SlackMessage } from './types.js';

/**
 * The one boundary every message crosses on its way to Slack (response_url replies, chat.postMessage,
 * chat.postEphemeral, chat.update, slash command acknowledgements), and every view (views.publish for the
 * Home tab, views.open and views.update for the Flow control modal). Builders escape outside text where they
 * compose it; this step makes the promise hold even where one forgot: the only markup that can reach Slack is
 * Flowbot's own kind, never a special mention, a user group, a channel link of someone's choosing, or a link
 * to anything but http(s); and every text fits its Block Kit limit after all of that.
 */

/**
 * What may stand between `<` and `>` in what Flowbot sends: a mention of a well-formed user ID, a channel
 * reference by ID, a date, an http(s) link whose target holds no `|`, `<` or `>` (see `link`). Anything else
 * (`!channel`, `!here`, `!everyone`, `!subteam^…`, `mailto:`, `javascript:`…) is shown as text.
 * Source: Slack's "Formatting text for app surfaces" (mentions, dates, links, and what is escaped).
 */
const OWN_MARKUP: readonly RegExp[] = [
  /^@[UW][A-Z0-9]{2,}$/,
  /^#C[A-Z0-9]{2,}$/,
  /^!date\^\d+\^[^|]*\|[^|]*$/,
  /^https?:\/\/[^\s|]+\|/,
];

/** mrkdwn as Slack will read it, with every piece of markup that is not Flowbot's own kind made inert. */
export function inertMrkdwn(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (whole, inner: string) =>
      OWN_MARKUP.some((form) => form.test(inner)) ? whole : `&lt;${inner}&gt;`,
    )
    .replace(/<(?![^<>]*>)/g, '&lt;');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every mrkdwn text object, wherever it sits in the blocks (plain_text is not read as markup by Slack). */
function inertBlocks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inertBlocks);
  if (!isObject(value)) return value;
  if (value.type === 'mrkdwn' && typeof value.text === 'string')
    return { ...value, text: inertMrkdwn(value.text) };
  // fromEntries defines own properties: a `__proto__` field in another system's blocks stays a field.
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, inertBlocks(field)]));
}

/** The texts of a legacy attachment Slack reads as mrkdwn (by default: `mrkdwn_in` only narrows it). */
const ATTACHMENT_TEXTS = ['pretext', 'text', 'footer'] as const;

/**
 * Another system's legacy attachments, repeated when Flowbot redraws its message: their own mentions and links
 * stay as the sender wrote them, special mentions and other link schemes do not (as in blocks).
 */
function inertAttachments(
  attachments: NonNullable<SlackMessage['attachments']>,
): SlackMessage['attachments'] {
  return attachments.map((attachment) => {
    const out = inertBlocks(attachment) as Record<string, unknown>;
    for (const name of ATTACHMENT_TEXTS)
      if (typeof out[name] === 'string') out[name] = inertMrkdwn(out[name] as string);
    if (Array.isArray(out.fields))
      out.fields = out.fields.map((field: unknown) =>
        isObject(field) && typeof field.value === 'string'
          ? { ...field, value: inertMrkdwn(field.value) }
          : field,
      );
    return out;
  }) as SlackMessage['attachments'];
}

/** A message as it leaves for Slack: no markup but Flowbot's own kind, every text within its limit. */
export function outbound(message: SlackMessage): SlackMessage {
  return fitted({
    text: inertMrkdwn(message.text),
    blocks: inertBlocks(message.blocks) as SlackMessage['blocks'],
    ...(message.attachments ? { attachments: inertAttachments(message.attachments) } : {}),
  });
}

/** A text-only message (an acknowledgement) as it leaves for Slack. */
export function outboundText(text: string): string {
  return fitText(inertMrkdwn(text), BLOCK_LIMITS.fallbackText);
}

/** What a view (a modal, the Home tab) carries that Slack reads as text. */
interface ViewLike {
  readonly blocks: readonly unknown[];
  readonly title?: unknown;
  readonly submit?: unknown;
  readonly close?: unknown;
}

/**
 * A view as it leaves for Slack (views.publish, views.open, views.update): no markup but Flowbot's own kind in
 * any mrkdwn text, at most 100 blocks, each text within its limit, the title and buttons within 24
 * characters. Ids, values and metadata are data and pass as they are.
 */
export function outboundView<V extends ViewLike>(view: V): V {
  const out = {
    ...view,
    blocks: fittedViewBlocks(inertBlocks(view.blocks) as unknown[]),
  } as unknown as Record<string, unknown>;
  for (const field of ['title', 'submit', 'close'] as const)
    if (view[field] !== undefined) out[field] = fitViewTitle(view[field]);
  return out as unknown as V;
}
