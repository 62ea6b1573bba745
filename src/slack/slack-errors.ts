import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';

/**
 * Why a Web API call failed, from `@slack/web-api`'s own error classes (and, for errors that crossed a
 * package boundary, their `ErrorCode`): Slack answered `ok: false` with a code, Slack kept rate-limiting,
 * Slack answered with an HTTP error, or the request never got an answer.
 */
export type SlackFailure =
  | { readonly kind: 'platform'; readonly error: string }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number | undefined }
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'request' }
  | { readonly kind: 'other' };

/**
 * Slack's answers that mean the token itself is not accepted: revoked, never valid, or its workspace or user
 * deactivated (auth.test and apps.connections.open errors, https://api.slack.com/methods/auth.test).
 */
const REJECTED_TOKEN: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
]);

/** Whether `failure` says Slack refused the token it was called with (not a network fault or a busy Slack). */
export function isRejectedToken(failure: SlackFailure): boolean {
  return failure.kind === 'platform' && REJECTED_TOKEN.has(failure.error);
}

export function classifySlackError(error: unknown): SlackFailure {
  if (error instanceof WebAPIPlatformError) return { kind: 'platform', error: error.data.error };
  if (error instanceof WebAPIRateLimitedError)
    return { kind: 'rate_limited', retryAfterSeconds: error.retryAfter };
  if (error instanceof WebAPIHTTPError) return { kind: 'http', status: error.statusCode };
  if (error instanceof WebAPIRequestError) return { kind: 'request' };
  const coded = (error ?? {}) as {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  switch (coded.code) {
    case ErrorCode.PlatformError:
      return { kind: 'platform', error: typeof coded.data?.error === 'string' ? coded.data.error : 'error' };
    case ErrorCode.RateLimitedError:
      return {
        kind: 'rate_limited',
        retryAfterSeconds: typeof coded.retryAfter === 'number' ? coded.retryAfter : undefined,
      };
    case ErrorCode.HTTPError:
      return { kind: 'http', status: typeof coded.statusCode === 'number' ? coded.statusCode : 0 };
    case ErrorCode.RequestError:
      return { kind: 'request' };
    default:
      return { kind: 'other' };
  }
}

/**
 * One short code per failure, for logs, metrics labels and HTTP answers: Slack's own error code
 * (`not_in_channel`…), `ratelimited` (Slack's own word for it), `http_<status>`, or `unreachable`.
 */
export function slackErrorCode(failure: SlackFailure): string {
  switch (failure.kind) {
    case 'platform':
      return failure.error;
    case 'rate_limited':
      return 'ratelimited';
    case 'http':
      return `http_${failure.status}`;
    case 'request':
    case 'other':
      return 'unreachable';
  }
}

/** The code of whatever a Web API call threw. */
export function slackErrorCodeOf(error: unknown): string {
  return slackErrorCode(classifySlackError(error));
}
