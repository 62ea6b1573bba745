import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainSlackError } from '../../src/slack/blocks/slack-error.js';
import {
  classifySlackError,
  isRejectedToken,
  slackErrorCode,
  slackErrorCodeOf,
} from '../../src/slack/slack-errors.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

describe('classifySlackError: what the WebClient really throws', () => {
  let slack: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterAll(() => slack.close());

  const thrown = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      return error;
    }
    throw new Error('the call did not fail');
  };
  const post = () => client.chat.postMessage({ channel: 'CNOWHERE1', text: 'hi' });

  it('a platform error keeps Slack’s own code', async () => {
    slack.failMethod('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    const error = await thrown(post);
    expect(classifySlackError(error)).toEqual({ kind: 'platform', error: 'not_in_channel' });
    expect(slackErrorCodeOf(error)).toBe('not_in_channel');
  });

  it('a refused token is told apart from every other failure, for the bot and the app-level token alike', async () => {
    for (const code of ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked']) {
      slack.failMethod('chat.postMessage', { kind: 'error', error: code });
      expect(isRejectedToken(classifySlackError(await thrown(post)))).toBe(true);
    }
    slack.failMethod('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    expect(isRejectedToken(classifySlackError(await thrown(post)))).toBe(false);
    expect(isRejectedToken({ kind: 'request' })).toBe(false);
    expect(isRejectedToken({ kind: 'http', status: 401 })).toBe(false);
  });

  it('rate limiting, with Slack’s Retry-After', async () => {
    slack.failMethod('chat.postMessage', { kind: 'ratelimited', retryAfterSeconds: 7 });
    const error = await thrown(post);
    expect(classifySlackError(error)).toEqual({ kind: 'rate_limited', retryAfterSeconds: 7 });
    expect(slackErrorCodeOf(error)).toBe('ratelimited');
  });

  it('an HTTP error keeps its status', async () => {
    slack.failMethod('chat.postMessage', { kind: 'status', status: 503 });
    const error = await thrown(post);
    expect(classifySlackError(error)).toEqual({ kind: 'http', status: 503 });
    expect(slackErrorCodeOf(error)).toBe('http_503');
  });

  it('no answer at all is a request error', async () => {
    const nowhere = new WebClient('xoxb-0', {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
    });
    const error = await thrown(() => nowhere.auth.test());
    expect(classifySlackError(error)).toEqual({ kind: 'request' });
    expect(slackErrorCodeOf(error)).toBe('unreachable');
  });
});

describe('classifySlackError: errors described only by their code', () => {
  it('reads ErrorCode where the class is not this package’s own', () => {
    expect(classifySlackError({ code: ErrorCode.PlatformError, data: { error: 'is_archived' } })).toEqual({
      kind: 'platform',
      error: 'is_archived',
    });
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 3 })).toEqual({
      kind: 'rate_limited',
      retryAfterSeconds: 3,
    });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 500 })).toEqual({
      kind: 'http',
      status: 500,
    });
    expect(classifySlackError({ code: ErrorCode.RequestError })).toEqual({ kind: 'request' });
  });

  it('anything else is "other", and never throws', () => {
    for (const value of [undefined, null, 42, 'text', new Error('x'), { code: 'ECONNRESET' }]) {
      expect(classifySlackError(value)).toEqual({ kind: 'other' });
    }
    expect(slackErrorCode({ kind: 'other' })).toBe('unreachable');
  });
});

describe('explainSlackError', () => {
  it('says the common codes in words, plain text', () => {
    expect(explainSlackError('not_in_channel')).toContain('/invite @Flowbot');
    expect(explainSlackError('ratelimited')).toBe('Slack is rate-limiting Flowbot');
    expect(explainSlackError('http_503')).toBe('Slack answered HTTP 503');
    expect(explainSlackError('unreachable')).toBe('Slack could not be reached');
    expect(explainSlackError('invalid_blocks')).toBe('Slack answered invalid_blocks');
  });
});
