/**
 * What can go wrong when talking to QStash, as kinds a person can act on. Messages never carry the token,
 * the request headers or the full URL: they end up in Slack.
 */
export type QStashErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid_response';

export class QStashError extends Error {
  override readonly name = 'QStashError';

  constructor(
    readonly kind: QStashErrorKind,
    /** QStash's own words (its `{"error": …}` body), trimmed; may be empty. */
    readonly detail: string,
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(`${kind}${status ? ` (HTTP ${status})` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

/** One sentence for the person who asked, ending without a period so callers can add context. */
export function describeQStashError(error: QStashError): string {
  const tries = error.attempts > 1 ? ` after ${error.attempts} tries` : '';
  const said = error.detail ? ` (QStash said: “${error.detail}”)` : '';
  switch (error.kind) {
    case 'bad_request':
      return `QStash rejected the request as invalid${said}`;
    case 'unauthorized':
      return 'QStash refused Flowbot’s token for this environment; an admin needs to check the QStash token';
    case 'not_found':
      return 'QStash has no flow-control key by that name (check the spelling, or `/flow list`)';
    case 'rate_limited':
      return `QStash is rate-limiting Flowbot and still was${tries}; try again in a minute`;
    case 'unavailable':
      return `QStash is unavailable${tries}${error.status ? ` (HTTP ${error.status})` : ''}`;
    case 'timeout':
      return `QStash did not answer in time${tries}`;
    case 'invalid_response':
      return 'QStash answered with something Flowbot does not understand';
  }
}
