/**
 * Text that came from outside (keys, reasons, alert titles) must never be read by Slack as markup: no
 * mentions (`<!channel>`), no links, no broken formatting.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A key or other identifier as inline code; a backtick inside would end the code span early. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, 'ˋ'))}\``;
}

export function mention(userId: string): string {
  // Only well-formed IDs become mentions; anything else is shown as text.
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/**
 * A link to an http(s) URL, with its text escaped: anything else (a `javascript:` or `mailto:` URL, text that
 * is no URL) is shown as text. The target is percent-encoded where Slack would read it as markup (`|` ends
 * the target, `<` and `>` the link). Source: Slack's "Formatting text for app surfaces", links.
 */
export function link(url: string, text: string): string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return escapeMrkdwn(text);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return escapeMrkdwn(text);
  const href = target.href.replace(/[|<>\s]/g, (char) => encodeURIComponent(char));
  return `<${href}|${escapeMrkdwn(text)}>`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Slack renders this in each reader's own time zone; the fallback is for clients that can't. */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${at.toISOString()}>`;
}

/** Cuts to at most `max` characters, never through the middle of an emoji or other astral character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = '';
  for (const char of text) {
    if (cut.length + char.length > max - 1) break;
    cut += char;
  }
  return `${cut}…`;
}

/** Escapes outside text, then cuts it to `max`, never leaving half an entity such as `&am`. */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return truncate(escaped, max).replace(/&[a-z]{0,3}…$/, '…');
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/**
 * A period or window in seconds as people write it and as Flowbot reads it back (`30s`, `1m`, `2h`, `1d`): the
 * one wording for every period a person sees (a key's rate period, the rate limit's window, a pinned period).
 */
export function formatPeriod(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The rate limit as a person reads it, "30 changes within 1m" (the window in ms, shown to the second). */
export function rateLimitWords(limit: number, windowMs: number): string {
  return `${plural(limit, 'change')} within ${formatPeriod(Math.max(1, Math.round(windowMs / 1000)))}`;
}
