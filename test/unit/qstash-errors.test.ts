import { describe, expect, it } from 'vitest';
import {
  changeCertainlyNotApplied,
  QStashError,
  type QStashErrorKind,
} from '../../src/core/qstash/errors.js';
import { describeQStashError } from '../../src/slack/blocks/qstash-error.js';

const KINDS: QStashErrorKind[] = [
  'bad_request',
  'unauthorized',
  'not_found',
  'account_not_found',
  'rate_limited',
  'unavailable',
  'timeout',
  'invalid_response',
];

const TOKEN = 'eyJGAKEQSTASHTOKENsecret0000==';

describe('QStashError', () => {
  it('carries kind, detail, status and attempts as named fields, with a compact message', () => {
    const error = new QStashError({ kind: 'unavailable', detail: 'upstream down', status: 503, attempts: 4 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('QStashError');
    expect(error.kind).toBe('unavailable');
    expect(error.detail).toBe('upstream down');
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(4);
    expect(error.message).toBe('unavailable (HTTP 503): upstream down');
  });

  it('defaults: no detail, no status, one attempt', () => {
    const error = new QStashError({ kind: 'timeout' });
    expect(error).toMatchObject({ kind: 'timeout', detail: '', status: undefined, attempts: 1 });
  });

  it('turns anything thrown into a QStashError, an unexpected error counting as unavailable', () => {
    const known = new QStashError({ kind: 'not_found', status: 404 });
    expect(QStashError.from(known)).toBe(known);
    expect(QStashError.from(new TypeError('boom'))).toMatchObject({ kind: 'unavailable', detail: '' });
  });

  it('leaves out an absent status and an empty detail', () => {
    expect(new QStashError({ kind: 'timeout', attempts: 1 }).message).toBe('timeout');
    expect(new QStashError({ kind: 'bad_request', detail: 'nope', attempts: 0 }).message).toBe(
      'bad_request: nope',
    );
  });
});

describe('describeQStashError', () => {
  it('says each kind in plain words', () => {
    const said = (kind: QStashErrorKind, detail = '', status: number | undefined = undefined, attempts = 1) =>
      describeQStashError(new QStashError({ kind, detail, status, attempts }));
    expect(said('bad_request')).toBe('QStash rejected the request as invalid');
    expect(said('bad_request', 'rate must be positive', 400)).toBe(
      'QStash rejected the request as invalid (QStash said: “rate must be positive”)',
    );
    expect(said('unauthorized', '', 401)).toBe(
      'QStash refused Flowbot’s token for this environment; an admin needs to check the QStash token',
    );
    expect(said('not_found', '', 404)).toBe(
      'QStash has no flow-control key by that name (check the spelling, or `/flow list`)',
    );
    expect(said('rate_limited', '', 429, 1)).toBe(
      'QStash is rate-limiting Flowbot and still was; try again in a minute',
    );
    expect(said('rate_limited', '', 429, 4)).toBe(
      'QStash is rate-limiting Flowbot and still was after 4 tries; try again in a minute',
    );
    expect(said('unavailable', '', 503, 3)).toBe('QStash is unavailable after 3 tries (HTTP 503)');
    expect(said('unavailable', '', undefined, 1)).toBe('QStash is unavailable');
    expect(said('timeout', '', undefined, 2)).toBe('QStash did not answer in time after 2 tries');
    expect(said('timeout', '', undefined, 1)).toBe('QStash did not answer in time');
    expect(said('invalid_response', '<html>', 200)).toBe(
      'QStash answered with something Flowbot does not understand',
    );
  });

  it('is one sentence without a final period, starting with "QStash", for every kind', () => {
    for (const kind of KINDS) {
      for (const attempts of [0, 1, 2, 10]) {
        const text = describeQStashError(new QStashError({ kind, detail: 'detail', status: 500, attempts }));
        expect(text, kind).toMatch(/^QStash /);
        expect(text, kind).not.toMatch(/\.$/);
        expect(text, kind).not.toContain('\n');
        expect(text, kind).not.toMatch(/Error:|^\s+at |\{"/m);
      }
    }
  });

  it('never repeats QStash’s words for any kind but bad_request, so a token echoed there cannot leak', () => {
    for (const kind of KINDS) {
      // account_not_found repeats them too: the client takes the token out of them first (see the client test).
      if (kind === 'bad_request' || kind === 'account_not_found') continue;
      const text = describeQStashError(
        new QStashError({ kind, detail: `invalid token Bearer ${TOKEN}`, status: 401, attempts: 2 }),
      );
      expect(text, kind).not.toContain(TOKEN);
      expect(text, kind).not.toContain('Bearer');
      expect(text, kind).not.toContain('invalid token');
    }
  });

  it('never includes a token for any kind when QStash’s words carry none', () => {
    for (const kind of KINDS) {
      const text = describeQStashError(
        new QStashError({ kind, detail: 'flow control key not found', status: 404, attempts: 3 }),
      );
      expect(text).not.toContain(TOKEN);
      expect(text.toLowerCase()).not.toContain('bearer');
      expect(text.toLowerCase()).not.toContain('authorization');
    }
  });

  it('escapes QStash’s own words: they may echo a hostile key', () => {
    const text = describeQStashError(
      new QStashError({ kind: 'bad_request', detail: 'bad key <!channel> & <@U1>', status: 400 }),
    );
    expect(text).toContain('bad key &lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(text).not.toMatch(/<[!@]/);
  });

  it('reports zero attempts (a refused key, nothing sent) like a single one', () => {
    expect(describeQStashError(new QStashError({ kind: 'unavailable', attempts: 0 }))).toBe(
      'QStash is unavailable',
    );
  });
});

describe('describeQStashError: which account, which limit, which setting', () => {
  it('tells a region or account 404 apart from an unknown key, keeps QStash’s words and names the settings', () => {
    const text = describeQStashError(
      new QStashError({
        kind: 'account_not_found',
        detail: 'user not found in this region',
        status: 404,
        settings: { url: 'QSTASH_URL_PROD', token: 'QSTASH_TOKEN_PROD' },
      }),
    );
    expect(text).toContain('user not found in this region');
    expect(text).toContain('`QSTASH_URL_PROD`');
    expect(text).toContain('`QSTASH_TOKEN_PROD`');
    expect(text).not.toContain('no flow-control key');
    expect(describeQStashError(new QStashError({ kind: 'account_not_found', status: 404 }))).toContain(
      '`QSTASH_URL`',
    );
  });

  it('names the token setting of the environment when the error carries it', () => {
    expect(
      describeQStashError(
        new QStashError({
          kind: 'unauthorized',
          status: 401,
          settings: { url: 'QSTASH_URL_EU', token: 'QSTASH_TOKEN_EU' },
        }),
      ),
    ).toContain('`QSTASH_TOKEN_EU`');
  });

  it('tells the daily quota (with its reset as a Slack date) from the burst limit', () => {
    const resetAt = Date.UTC(2026, 11, 1);
    const daily = describeQStashError(
      new QStashError({ kind: 'rate_limited', status: 429, limit: 'daily', resetAt }),
    );
    expect(daily).toContain('daily request quota');
    expect(daily).toContain(`<!date^${resetAt / 1000}^`);
    expect(daily).toContain('does not retry');
    const burst = describeQStashError(
      new QStashError({ kind: 'rate_limited', status: 429, limit: 'burst', attempts: 4 }),
    );
    expect(burst).toContain('per-second burst limit');
    expect(burst).toContain('after 4 tries');
  });
});

describe('changeCertainlyNotApplied', () => {
  it('counts a 429 and an unknown account as refusals, unless an earlier attempt may have gone through', () => {
    expect(changeCertainlyNotApplied({ kind: 'rate_limited', status: 429 })).toBe(true);
    expect(changeCertainlyNotApplied({ kind: 'account_not_found', status: 404 })).toBe(true);
    expect(
      changeCertainlyNotApplied({ kind: 'rate_limited', status: 429, earlierAttemptUncertain: true }),
    ).toBe(false);
    expect(changeCertainlyNotApplied({ kind: 'timeout' })).toBe(false);
    expect(changeCertainlyNotApplied({ kind: 'unavailable', status: 503 })).toBe(false);
  });
});
