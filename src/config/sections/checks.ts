import { z } from 'zod';

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

export const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);

export const CHANNEL_ID = 'a Slack channel ID (C…), not a name';
