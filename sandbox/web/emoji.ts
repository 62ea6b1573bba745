/**
 * The shortcodes Flowbot's messages use, plus a few that people commonly type. Slack knows thousands; an
 * unknown shortcode is shown as written, as Slack does for custom emoji it can't find.
 */
export const EMOJI: Readonly<Record<string, string>> = {
  alarm_clock: '⏰',
  arrow_forward: '▶️',
  arrows_counterclockwise: '🔄',
  bell: '🔔',
  chart_with_upwards_trend: '📈',
  double_vertical_bar: '⏸️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  large_blue_circle: '🔵',
  large_green_circle: '🟢',
  large_orange_circle: '🟠',
  leftwards_arrow_with_hook: '↩️',
  lock: '🔒',
  no_entry: '⛔',
  octagonal_sign: '🛑',
  pushpin: '📌',
  raised_hand: '✋',
  red_circle: '🔴',
  rotating_light: '🚨',
  warning: '⚠️',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  information_source: 'ℹ️',
  eyes: '👀',
  fire: '🔥',
  tada: '🎉',
  zap: '⚡',
  mag: '🔍',
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  wave: '👋',
  pray: '🙏',
};

/** A run of text, or one emoji: `id` names its image (code points in hex, joined by `-`, without U+FE0F). */
export type EmojiPart = string | { readonly emoji: string; readonly id: string };

// One emoji: a pictograph (with its presentation selector or skin tone), ZWJ-joined to more, or a flag.
const SEQUENCE =
  /\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*/gu;

/**
 * Splits text into plain runs and emoji, so the page can show each emoji as a picture: a machine without an
 * emoji font would show empty boxes. Characters that are text by default (©, ™, ▶) count only when written
 * as emoji (with U+FE0F, a skin tone, or in a sequence).
 */
export function emojiParts(text: string): EmojiPart[] {
  const parts: EmojiPart[] = [];
  let last = 0;
  for (const match of text.matchAll(SEQUENCE)) {
    const emoji = match[0];
    const asEmoji =
      /\p{Emoji_Presentation}|\p{Regional_Indicator}/u.test(emoji) ||
      /[\uFE0F\u200D]|\p{Emoji_Modifier}/u.test(emoji);
    if (!asEmoji) continue;
    const at = match.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    const id = [...emoji]
      .map((char) => char.codePointAt(0) ?? 0)
      .filter((point) => point !== 0xfe0f)
      .map((point) => point.toString(16))
      .join('-');
    parts.push({ emoji, id });
    last = at + emoji.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
