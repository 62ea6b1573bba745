/**
 * What can go wrong when talking to QStash, as kinds a person can act on. Errors never carry the token, the
 * request headers or the full URL: what they say ends up in Slack.
 *
 * `not_found` is a flow-control key QStash does not know; `account_not_found` is QStash not knowing the
 * token's account where Flowbot asked (a 404 such as `user not found in this region`: the URL points at
 * another region than the token's), so the fix is a setting, not the key's spelling.
 */
export type QStashErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'account_not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid_response';

/**
 * QStash's two request limits (https://upstash.com/docs/qstash/api/api-ratelimiting): `burst`, per second
 * (`Burst-RateLimit-*` headers, resets within a second), and `daily`, the day's request quota
 * (`RateLimit-*` headers, resets at the next UTC midnight, hours later).
 */
export type QStashLimitKind = 'burst' | 'daily';

/** The settings that name one environment's QStash URL and token (names, never values). */
export interface QStashSettingNames {
  readonly url: string;
  readonly token: string;
}

/** The named facts about one failed call; further facts (when to retry, which limit) join as optional fields. */
export interface QStashErrorFields {
  readonly kind: QStashErrorKind;
  /** QStash's own words (its `{"error": …}` body), trimmed, the token taken out; empty when it said nothing. */
  readonly detail?: string;
  /** The HTTP status of the last answer, when there was one. */
  readonly status?: number;
  /** How many requests were sent; 0 when Flowbot refused to send it at all (a key no URL can carry). */
  readonly attempts?: number;
  /** `rate_limited`: which of QStash's limits refused the call, when its headers said. */
  readonly limit?: QStashLimitKind;
  /** `rate_limited`: when that limit resets (epoch ms), when its headers said. */
  readonly resetAt?: number;
  /**
   * An earlier attempt of the same call ended without an answer that proves it was not applied (a timeout, a
   * dropped connection, a 5xx), so a final refusal does not prove nothing changed.
   */
  readonly earlierAttemptUncertain?: boolean;
  /** Which settings configure the environment that failed, so the words can say which one to fix. */
  readonly settings?: QStashSettingNames;
}

export class QStashError extends Error {
  override readonly name = 'QStashError';
  readonly kind: QStashErrorKind;
  readonly detail: string;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly limit: QStashLimitKind | undefined;
  readonly resetAt: number | undefined;
  readonly earlierAttemptUncertain: boolean;
  readonly settings: QStashSettingNames | undefined;

  constructor(fields: QStashErrorFields) {
    const detail = fields.detail ?? '';
    super(`${fields.kind}${fields.status ? ` (HTTP ${fields.status})` : ''}${detail ? `: ${detail}` : ''}`);
    this.kind = fields.kind;
    this.detail = detail;
    this.status = fields.status;
    this.attempts = fields.attempts ?? 1;
    this.limit = fields.limit;
    this.resetAt = fields.resetAt;
    this.earlierAttemptUncertain = fields.earlierAttemptUncertain ?? false;
    this.settings = fields.settings;
  }

  /** Anything thrown while talking to QStash, as a QStashError (an unexpected error counts as unavailable). */
  static from(error: unknown): QStashError {
    return error instanceof QStashError ? error : new QStashError({ kind: 'unavailable' });
  }

  /** The named facts as plain data (for records kept in the store, which hold no Error objects). */
  fields(): QStashErrorFields {
    return {
      kind: this.kind,
      detail: this.detail,
      ...(this.status !== undefined ? { status: this.status } : {}),
      attempts: this.attempts,
      ...(this.limit ? { limit: this.limit } : {}),
      ...(this.resetAt !== undefined ? { resetAt: this.resetAt } : {}),
      ...(this.earlierAttemptUncertain ? { earlierAttemptUncertain: true } : {}),
      ...(this.settings ? { settings: this.settings } : {}),
    };
  }
}

/**
 * Failures after which QStash certainly did not apply the change (so "nothing was changed" is true): it
 * refused the request (unknown key or account, bad token, invalid request, a 429: QStash applies nothing it
 * rate-limits), and no earlier attempt of the same call might have gone through.
 */
export function changeCertainlyNotApplied(error: QStashErrorFields): boolean {
  if (error.earlierAttemptUncertain) return false;
  return (
    error.kind === 'not_found' ||
    error.kind === 'account_not_found' ||
    error.kind === 'unauthorized' ||
    error.kind === 'bad_request' ||
    error.kind === 'rate_limited'
  );
}
