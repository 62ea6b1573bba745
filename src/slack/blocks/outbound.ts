import { BLOCK_LIMITS, fitText, fitted } from './fit.js';
import type { SlackMessage } from './types.js';

/**
 * The one boundary every message crosses on its way to Slack (response_url replies, chat.postMessage,
 * chat.postEphemeral, chat.update, slash command acknowledgements). Builders escape outside text where they
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

/** A message as it leaves for Slack: no markup but Flowbot's own kind, every text within its limit. */
export function outbound(message: SlackMessage): SlackMessage {
  return fitted({
    text: inertMrkdwn(message.text),
    blocks: inertBlocks(message.blocks) as SlackMessage['blocks'],
  });
}

/** A text-only message (an acknowledgement) as it leaves for Slack. */
export function outboundText(text: string): string {
  return fitText(inertMrkdwn(text), BLOCK_LIMITS.fallbackText);
}
