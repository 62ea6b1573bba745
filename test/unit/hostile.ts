/** Hostile strings shared by the unit tests: each one has broken a Slack bot somewhere. */

/** Keys that checkKey accepts although they look dangerous: they must stay data everywhere. */
export const HOSTILE_VALID_KEYS: readonly string[] = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U12345678>',
  '<#C12345678>',
  '<https://evil.example|click-me>',
  '`rm-rf`',
  '```block```',
  '&lt;!channel&gt;',
  '*bold*_italic_~strike~',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '../../v2/dlq',
  'a/b',
  '?x=1',
  '#frag',
  '%2F',
  '%2e%2e',
  '...',
  '\\',
  'ü-café-日本語',
  '😀',
  '\u200b', // zero-width space: not whitespace, not a control character
  '\u202eevil', // right-to-left override (a format character, not a control character)
  '&'.repeat(256),
  '<'.repeat(256),
  '`'.repeat(256),
  '😀'.repeat(128), // 256 UTF-16 code units
];

/** Keys checkKey must refuse. */
export const INVALID_KEYS: readonly string[] = [
  '',
  '.',
  '..',
  'a'.repeat(257),
  'k'.repeat(100_000),
  'a b',
  'a\tb',
  'a\nb',
  'a\rb',
  'a\u0000b',
  '\u0007',
  '\u001b[31mred',
  '\u007f',
  '\u0085', // NEL (C1)
  '\u009b', // CSI (C1)
  'a\u2028b',
  'a\u2029b',
  'a\u00a0b',
  'a\u3000b',
  '\ud800',
  'a\udc00b',
  '\udc00\ud800', // a pair in the wrong order is two lone surrogates
  '😀'.repeat(129),
];

/** True when the text has no unpaired UTF-16 surrogate (Slack and JSON consumers choke on those). */
export function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}
