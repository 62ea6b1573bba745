import type { QStashErrorFields } from '../../core/qstash/errors.js';
import { escapeMrkdwn } from './mrkdwn.js';

/**
 * One sentence for the person who asked, as mrkdwn (QStash's own words escaped), ending without a period so
 * callers can add context. Only `bad_request` repeats QStash's words: for the other kinds they could echo
 * what was sent, token included.
 */
export function describeQStashError(error: QStashErrorFields): string {
  const attempts = error.attempts ?? 1;
  const tries = attempts > 1 ? ` after ${attempts} tries` : '';
  const said = error.detail ? ` (QStash said: “${escapeMrkdwn(error.detail)}”)` : '';
  switch (error.kind) {
    case 'bad_request':
      // Refused before sending: the key is not one any URL can carry (it was checked on the way in, so rare).
      if (attempts === 0) return 'QStash was not asked: the key cannot be sent as one URL segment';
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
