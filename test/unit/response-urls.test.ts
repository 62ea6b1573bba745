import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { ResponseUrls, responseUrlOf } from '../../src/slack/response-urls.js';

const URL = 'https://hooks.slack.com/actions/T1/2/abc';

function setup() {
  let now = 1_000_000;
  const store = new MemoryStateStore(() => now);
  const urls = new ResponseUrls(store, () => now);
  return { urls, store, advance: (ms: number) => (now += ms) };
}

describe('a request’s response_url, kept for later posts', () => {
  it('gives at most 5 posts, Flowbot’s own replies included', async () => {
    const { urls } = setup();
    await urls.remember('r1', URL);
    await urls.used('r1');
    await urls.used('r1');
    const taken = [];
    for (let i = 0; i < 5; i++) taken.push(await urls.take('r1'));
    expect(taken).toEqual([URL, URL, URL, undefined, undefined]);
  });

  it('gives none 30 minutes after the request, and none for a request it never saw', async () => {
    const { urls, advance } = setup();
    await urls.remember('r1', URL);
    advance(30 * 60_000 - 1);
    expect(await urls.take('r1')).toBe(URL);
    advance(1);
    expect(await urls.take('r1')).toBeUndefined();
    expect(await urls.take('unknown')).toBeUndefined();
  });

  it('is shared through the store: another replica counts the same posts', async () => {
    const { urls, store } = setup();
    const other = new ResponseUrls(store);
    await urls.remember('r1', URL);
    for (let i = 0; i < 4; i++) await other.used('r1');
    expect(await urls.take('r1')).toBe(URL);
    expect(await other.take('r1')).toBeUndefined();
  });

  it('reads the response_url of commands, clicks and modal submissions, and nothing else', () => {
    expect(responseUrlOf({ response_url: URL })).toBe(URL);
    expect(responseUrlOf({ response_urls: [{ response_url: URL, channel_id: 'C1' }] })).toBe(URL);
    for (const body of [
      undefined,
      null,
      'x',
      {},
      { response_url: '' },
      { response_urls: [] },
      { response_url: 5 },
    ])
      expect(responseUrlOf(body)).toBeUndefined();
  });
});
