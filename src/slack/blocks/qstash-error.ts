import type { QStashErrorFields } from '../../core/qstash/errors.js';
import { code, escapeMrkdwn, slackDate } from './mrkdwn.js';

/** The single-environment names; several environments name theirs `QSTASH_URL_<NAME>`, carried by the error. */
const DEFAULT_SETTINGS = { url: 'QSTASH_URL', token: 'QSTASH_TOKEN' };

/**
 * One sentence for the person who asked, as mrkdwn (QStash's own words escaped), ending without a period so
 * callers can add context. QStash's words are repeated for `bad_request` and `account_not_found` (they say
 * what is wrong); for the other kinds they could echo what was sent, so the facts come from the status and
 * headers instead (the words stay in the error, for the logs).
 */
export function describeQStashError(error: QStashErrorFields): string {
  const attempts = error.attempts ?? 1;
  const tries = attempts > 1 ? ` after ${attempts} tries` : '';
  const said = error.detail ? ` (QStash said: “${escapeMrkdwn(error.detail)}”)` : '';
  const settings = error.settings ?? DEFAULT_SETTINGS;
  switch (error.kind) {
    case 'bad_request':
      // Refused before sending: the key is not one any URL can carry (it was checked on the way in, so rare).
      if (attempts === 0) return 'QStash was not asked: the key cannot be sent as one URL segment';
      return `QStash rejected the request as invalid${said}`;
    case 'unauthorized':
      return `QStash refused Flowbot’s token for this environment; an admin needs to check the QStash token${error.settings ? ` (${code(error.settings.token)})` : ''}`;
    case 'not_found':
      return 'QStash has no flow-control key by that name (check the spelling, or `/flow list`)';
    case 'account_not_found':
      return `QStash does not know Flowbot’s account in the region it asked${said}; an admin needs to point ${code(settings.url)} at the region of the token in ${code(settings.token)} (each region has its own token)`;
    case 'rate_limited':
      return describeRateLimit(error, tries);
    case 'unavailable':
      return `QStash is unavailable${tries}${error.status ? ` (HTTP ${error.status})` : ''}`;
    case 'timeout':
      return `QStash did not answer in time${tries}`;
    case 'invalid_response':
      if (error.status !== undefined && error.status >= 300 && error.status < 400)
        return `QStash answered with a redirect (HTTP ${error.status}), which Flowbot does not follow; an admin needs to check ${code(settings.url)}`;
      return 'QStash answered with something Flowbot does not understand';
  }
}

function describeRateLimit(error: QStashErrorFields, tries: string): string {
  const resets = error.resetAt !== undefined ? slackDate(new Date(error.resetAt)) : undefined;
  if (error.limit === 'daily')
    return `QStash is rate-limiting Flowbot: the account’s daily request quota is used up${resets ? ` until ${resets}` : ''}, and Flowbot does not retry before it resets`;
  if (error.limit === 'burst')
    return `QStash is rate-limiting Flowbot (its per-second burst limit) and still was${tries}; try again in a few seconds`;
  return `QStash is rate-limiting Flowbot and still was${tries}; try again in a minute`;
}
