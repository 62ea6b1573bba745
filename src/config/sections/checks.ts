import { z } from 'zod';
import { CHANNEL_ID_PATTERN, MAX_CHANNEL_ID_LENGTH } from '../../core/channel-id.js';

/** An http(s) URL without credentials (a token in a URL would end up in logs). */
export const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}, 'must be an http(s) URL without credentials');

export const channelId = z.string().regex(CHANNEL_ID_PATTERN);

export const CHANNEL_ID = `a Slack channel ID (C…, at most ${MAX_CHANNEL_ID_LENGTH} characters), not a name`;

/**
 * A whole number written in decimal digits, from `min` to `max`: what every numeric setting takes. Stricter
 * than `z.coerce.number()`, which also takes `0x10`, `0b11`, `1e3` and `1.0` as numbers, so a typo or a value
 * meant for another tool could pass as a setting nobody wrote.
 */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
