import { describe, expect, it } from 'vitest';
import { QStashClient, withoutKey } from '../../src/core/qstash/client.js';
import { QStashError } from '../../src/core/qstash/errors.js';
import { HOSTILE_VALID_KEYS, INVALID_KEYS } from './hostile.js';

// Constructing a client builds a got instance but sends nothing; urlFor is pure.
const client = (baseUrl = 'https://qstash.example') =>
  new QStashClient({ baseUrl, token: 'FAKETOKENurlFor00' });

describe('QStashClient#urlFor', () => {
  it('builds each operation’s URL', () => {
    const c = client();
    expect(c.urlFor('get', 'orders').href).toBe('https://qstash.example/v2/flowControl/orders');
    expect(c.urlFor('pause', 'orders').href).toBe('https://qstash.example/v2/flowControl/orders/pause');
    expect(c.urlFor('resume', 'orders').href).toBe('https://qstash.example/v2/flowControl/orders/resume');
    expect(c.urlFor('pin', 'orders').href).toBe('https://qstash.example/v2/flowControl/orders/pin');
    expect(c.urlFor('unpin', 'orders').href).toBe('https://qstash.example/v2/flowControl/orders/unpin');
    expect(c.urlFor('resetRate', 'orders').href).toBe(
      'https://qstash.example/v2/flowControl/orders/resetRate',
    );
    expect(c.urlFor('list', undefined).href).toBe('https://qstash.example/v2/flowControl');
    expect(c.urlFor('global', undefined).href).toBe('https://qstash.example/v2/globalParallelism');
  });

  it('ignores any key for the global endpoint', () => {
    expect(client().urlFor('global', '..').href).toBe('https://qstash.example/v2/globalParallelism');
  });

  it('encodes dangerous keys as exactly one path segment', () => {
    const cases: [string, string][] = [
      ['a/b', 'a%2Fb'],
      ['../../v2/dlq', '..%2F..%2Fv2%2Fdlq'],
      ['?x', '%3Fx'],
      ['#x', '%23x'],
      ['%2F', '%252F'],
      ['%2e%2e', '%252e%252e'],
      ['\\', '%5C'],
      ['a;b', 'a%3Bb'],
      ['café', 'caf%C3%A9'],
      ['😀', '%F0%9F%98%80'],
      ['<!channel>', '%3C!channel%3E'],
      ['a:b', 'a%3Ab'],
      ['...', '...'],
    ];
    for (const [key, segment] of cases) {
      const url = client().urlFor('pause', key);
      expect(url.pathname, key).toBe(`/v2/flowControl/${segment}/pause`);
      expect(url.search, key).toBe('');
      expect(url.hash, key).toBe('');
      expect(url.host, key).toBe('qstash.example');
    }
  });

  it('round-trips every hostile valid key through one segment', () => {
    for (const key of HOSTILE_VALID_KEYS) {
      for (const operation of ['get', 'resume'] as const) {
        const url = client('https://proxy.example/q/').urlFor(operation, key);
        const segments = url.pathname.split('/');
        const expected = operation === 'get' ? 5 : 6; // '', 'q', 'v2', 'flowControl', key[, operation]
        expect(segments, key).toHaveLength(expected);
        expect(segments.slice(0, 4)).toEqual(['', 'q', 'v2', 'flowControl']);
        expect(decodeURIComponent(segments[4]!), key).toBe(key);
        expect(url.search, key).toBe('');
        expect(url.hash, key).toBe('');
        expect(url.origin).toBe('https://proxy.example');
      }
    }
  });

  it('keeps a base path prefix and drops its trailing slashes', () => {
    for (const base of [
      'https://proxy.example/qstash',
      'https://proxy.example/qstash/',
      'https://proxy.example/qstash///',
    ]) {
      expect(client(base).urlFor('get', 'k').href, base).toBe(
        'https://proxy.example/qstash/v2/flowControl/k',
      );
      expect(client(base).urlFor('list', undefined).href, base).toBe(
        'https://proxy.example/qstash/v2/flowControl',
      );
      expect(client(base).urlFor('global', undefined).href, base).toBe(
        'https://proxy.example/qstash/v2/globalParallelism',
      );
    }
    expect(client('http://127.0.0.1:8080/').urlFor('resume', 'k').href).toBe(
      'http://127.0.0.1:8080/v2/flowControl/k/resume',
    );
    expect(client('https://proxy.example/a/b/').urlFor('get', 'k').pathname).toBe('/a/b/v2/flowControl/k');
  });

  it('does not accumulate state between calls', () => {
    const c = client('https://proxy.example/p/');
    c.urlFor('pause', 'first');
    expect(c.urlFor('get', 'second').href).toBe('https://proxy.example/p/v2/flowControl/second');
  });

  it('throws a bad_request QStashError for keys no encoding keeps in one segment', () => {
    for (const key of INVALID_KEYS) {
      let thrown: unknown;
      try {
        client().urlFor('resume', key);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(key.slice(0, 20))).toBeInstanceOf(QStashError);
      const error = thrown as QStashError;
      expect(error.kind).toBe('bad_request');
      expect(error.status).toBeUndefined();
      expect(error.attempts).toBe(0);
      expect(error.detail.length).toBeGreaterThan(0);
    }
  });

  it('names the key’s problem in the error detail (its code: the words are the adapter’s)', () => {
    expect(() => client().urlFor('pause', '..')).toThrow(
      expect.objectContaining({ kind: 'bad_request', detail: 'invalid key (dot_segment)' }),
    );
    expect(() => client().urlFor('get', '.')).toThrow(
      expect.objectContaining({ kind: 'bad_request', detail: 'invalid key (dot_segment)' }),
    );
    expect(() => client().urlFor('get', 'a\u0000b')).toThrow(
      expect.objectContaining({ detail: 'invalid key (control_characters)' }),
    );
    expect(() => client().urlFor('get', '')).toThrow(
      expect.objectContaining({ detail: 'invalid key (empty)' }),
    );
  });
});

describe('withoutKey: QStash’s words without the key they repeat', () => {
  it('takes the key out wherever it appears, and a key cut short at the end of the words', () => {
    expect(withoutKey('flow control key not found: orders-region-eu', 'orders-region-eu')).toBe(
      'flow control key not found:  ',
    );
    const long = `region-${'x'.repeat(240)}`;
    const cut = `flow control key not found: ${long}`.slice(0, 200);
    expect(withoutKey(cut, long)).toBe('flow control key not found: ');
  });

  it('leaves words that do not repeat the key as they are', () => {
    expect(withoutKey('user not found in this region', 'orders')).toBe('user not found in this region');
    // A key ending the words by chance with a few letters is not taken for a cut key.
    expect(withoutKey('user not found in this region', 'n-orders')).toBe('user not found in this region');
    expect(withoutKey('user not found in this region', 'gion-and-more')).toBe(
      'user not found in this region',
    );
    expect(withoutKey('anything', '')).toBe('anything');
  });
});
