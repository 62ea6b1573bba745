import type { StateStore } from '../core/store/state-store.js';

const URLS = 'response-url';
const POSTS = 'response-url-posts';
/** Slack: a response_url takes up to 5 posts within 30 minutes of the request it came with. */
export const RESPONSE_URL_POSTS = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

interface Remembered {
  readonly url: string;
  /** Epoch ms: when the request arrived (Slack's 30 minutes count from then). */
  readonly issuedAt: number;
}

/**
 * The response_url each request came with, kept by request id for its 30 minutes so work done later for
 * that request (a timed pause's end, a reminder) can still reach the person where Flowbot can't post on its
 * own. Posts are counted in the store, Flowbot's own replies included, so every replica knows how many of
 * the 5 are left. Source: Slack's "Handling user interaction" docs (response_url: 5 times within 30 minutes).
 */
export class ResponseUrls {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `url` for the request `requestId` (called when the request arrives). */
  async remember(requestId: string, url: string): Promise<void> {
    const value: Remembered = { url, issuedAt: this.now() };
    await this.store.set(URLS, requestId, value, { ttlMs: RESPONSE_URL_TTL_MS });
  }

  /** Counts one post to the request's response_url (a reply Flowbot sent through it). */
  async used(requestId: string): Promise<void> {
    await this.store.increment(POSTS, requestId, RESPONSE_URL_TTL_MS);
  }

  /**
   * One of the request's remaining posts: the URL, counted as used, or undefined when Flowbot has none for
   * the request, its 30 minutes are over or its 5 posts are spent.
   */
  async take(requestId: string): Promise<string | undefined> {
    const remembered = await this.store.get<Remembered>(URLS, requestId);
    if (!remembered || this.now() - remembered.issuedAt >= RESPONSE_URL_TTL_MS) return undefined;
    const posts = await this.store.increment(POSTS, requestId, RESPONSE_URL_TTL_MS);
    return posts <= RESPONSE_URL_POSTS ? remembered.url : undefined;
  }
}

/** The response_url a payload carries: a command's or click's `response_url`, a modal's first `response_urls`. */
export function responseUrlOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.response_url === 'string' && record.response_url !== '') return record.response_url;
  const urls = record.response_urls;
  if (Array.isArray(urls)) {
    const first = urls[0] as Record<string, unknown> | undefined;
    if (first && typeof first.response_url === 'string') return first.response_url;
  }
  return undefined;
}
