import type { MessageParts } from '../../../core/catalog/find-keys.js';
import { decodeSlackText } from '../../text-in.js';

/** Buttons whose value is a key: Flowbot's own, and `flow_resume` on any sender's alert. */
const KEY_BUTTONS = /^(?:flow_resume(?:#\d{1,3})?|flow_pause|flow_status|flow_refresh|flow_ramp)$/;

const MAX_TEXTS = 400;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Everything a message says, for finding keys in it: its text, every text object in its blocks (sections,
 * fields, context, headers, rich text) and legacy attachments (text, pretext, title, fields), and the values
 * of key buttons. Untrusted input of any shape: what isn't text is skipped, and the walk is bounded.
 */
export function messageParts(message: unknown): MessageParts {
  const texts: string[] = [];
  const keyValues: string[] = [];
  // Message text and text objects come as Slack sends text (entities, markup): decoded once, with the one
  // decoder every text input uses. Rich text elements hold the text as written: taken as they are.
  const addText = (value: unknown, encoded = true) => {
    if (typeof value === 'string' && value !== '' && texts.length < MAX_TEXTS)
      texts.push(encoded ? decodeSlackText(value) : value);
  };
  const walk = (node: unknown, depth: number): void => {
    if (depth > 12 || texts.length >= MAX_TEXTS) return;
    if (Array.isArray(node)) {
      for (const item of node.slice(0, 200)) walk(item, depth + 1);
      return;
    }
    if (!isObject(node)) return;
    if (node.type === 'button' && typeof node.action_id === 'string' && KEY_BUTTONS.test(node.action_id)) {
      if (typeof node.value === 'string') keyValues.push(node.value);
      return;
    }
    // Rich text keeps inline code as a style on a text element: give it back its backticks.
    if (node.type === 'text' && typeof node.text === 'string') {
      const styled = isObject(node.style) && node.style.code === true;
      addText(styled ? `\`${node.text}\`` : node.text, false);
      return;
    }
    for (const [name, value] of Object.entries(node)) {
      if (typeof value === 'string') {
        if (['text', 'pretext', 'title', 'fallback', 'value'].includes(name)) addText(value);
      } else walk(value, depth + 1);
    }
  };
  if (isObject(message)) {
    addText(message.text);
    walk(message.blocks, 0);
    walk(message.attachments, 0);
  }
  return { texts, keyValues };
}
