import { checkKey } from '../keys.js';

/** What a message says, as plain text (already decoded from Slack's markup) and its buttons' key values. */
export interface MessageParts {
  readonly texts: readonly string[];
  /** Values of buttons that carry a key (`<key>` or `<environment>:<key>`), e.g. Flowbot's own Resume. */
  readonly keyValues: readonly string[];
}

/** At most this many candidates are taken from one message: enough for an alert, bounded for a paste. */
export const MAX_CANDIDATES = 20;
const MAX_SCANNED_CHARACTERS = 40_000;

/**
 * Labels monitoring systems use for the key: Alertmanager's `flow_control_key="orders-eu"`, log lines'
 * `flow_control_key=orders-eu`, `flowControlKey: orders-eu` (QStash's own field name), `Flow-Control-Key`
 * (QStash's header). The value may be quoted with double, single or back quotes.
 */
const LABEL =
  /(?:^|[^A-Za-z0-9_])(?:flow[_-]?control[_-]?key|upstash[_-]flow[_-]?control[_-]?key)\s*[=:]\s*(?:"([^"\n]{1,300})"|'([^'\n]{1,300})'|`([^`\n]{1,300})`|([^\s"'`,;)}\]]{1,300}))/giu;

/** An inline code span: Flowbot's own messages (and people) write keys this way. Fenced blocks are skipped. */
const CODE_SPAN = /(?<!`)`([^`\n]{1,300})`(?!`)/gu;

/**
 * The flow-control keys a message names, most reliable first: keys on its buttons, then labelled values,
 * then code spans. Each candidate is a well-formed key (or `<environment>:<key>`), without duplicates; whether
 * it names a configured environment or an existing key is for the caller to decide.
 */
export function findKeyCandidates(parts: MessageParts): string[] {
  const found: string[] = [];
  const add = (raw: string | undefined, unquoted = false) => {
    if (raw === undefined || found.length >= MAX_CANDIDATES) return;
    const candidate = unquoted ? tidy(raw) : raw.trim();
    if (candidate === '' || found.includes(candidate) || checkKey(candidate).kind !== 'ok') return;
    found.push(candidate);
  };
  for (const value of parts.keyValues) add(value);
  const texts = parts.texts.map((text) => text.slice(0, MAX_SCANNED_CHARACTERS));
  for (const text of texts) {
    for (const match of text.matchAll(LABEL)) {
      const quoted = match[1] ?? match[2] ?? match[3];
      add(quoted ?? match[4], quoted === undefined);
    }
  }
  for (const text of texts) {
    const unfenced = text.replace(/```[\s\S]*?```/gu, ' ');
    for (const match of unfenced.matchAll(CODE_SPAN)) add(match[1]);
  }
  return found;
}

/** Surrounding space and the sentence punctuation that follows an unquoted value (`key=orders-eu.`). */
function tidy(raw: string): string {
  return raw.trim().replace(/[.,;:!?]+$/u, '');
}
