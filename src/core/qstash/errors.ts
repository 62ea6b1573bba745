/**
 * What can go wrong when talking to QStash, as kinds a person can act on. Errors never carry the token, the
 * request headers or the full URL: what they say ends up in Slack.
 */
export type QStashErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid_response';

/** The named facts about one failed call; further facts (when to retry, which limit) join as optional fields. */
export interface QStashErrorFields {
  readonly kind: QStashErrorKind;
  /** QStash's own words (its `{"error": …}` body), trimmed; empty when it said nothing. */
  readonly detail?: string;
  /** The HTTP status of the last answer, when there was one. */
  readonly status?: number;
  /** How many requests were sent; 0 when Flowbot refused to send it at all (a key no URL can carry). */
  readonly attempts?: number;
}

export class QStashError extends Error {
  override readonly name = 'QStashError';
  readonly kind: QStashErrorKind;
  readonly detail: string;
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(fields: QStashErrorFields) {
    const detail = fields.detail ?? '';
    super(`${fields.kind}${fields.status ? ` (HTTP ${fields.status})` : ''}${detail ? `: ${detail}` : ''}`);
    this.kind = fields.kind;
    this.detail = detail;
    this.status = fields.status;
    this.attempts = fields.attempts ?? 1;
  }

  /** Anything thrown while talking to QStash, as a QStashError (an unexpected error counts as unavailable). */
  static from(error: unknown): QStashError {
    return error instanceof QStashError ? error : new QStashError({ kind: 'unavailable' });
  }
}

/** Failures after which QStash certainly did not apply the change (so "nothing was changed" is true). */
export function changeCertainlyNotApplied(error: QStashError): boolean {
  return error.kind === 'not_found' || error.kind === 'unauthorized' || error.kind === 'bad_request';
}
