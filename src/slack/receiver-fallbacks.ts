import type { HTTPReceiverOptions } from '@slack/bolt';
import type { Logger } from 'pino';
import { NOTES } from './blocks/notes.js';
import { sendJson } from './routes.js';

type Fallbacks = Required<Pick<HTTPReceiverOptions, 'processEventErrorHandler' | 'unhandledRequestHandler'>>;

/**
 * What Bolt's HTTP receiver answers when Flowbot could not: Slack shows a 500 as a failure with no
 * explanation, so a request that broke inside Flowbot is acknowledged, logged and (for a command) answered
 * with words.
 */
export function receiverFallbacks(logger: Logger): Fallbacks {
  return {
    processEventErrorHandler: async ({ error, response }) => {
      logger.error({ err: error }, 'a Slack request failed before it was acknowledged');
      if (response.headersSent) return false;
      sendJson(response, 200, { response_type: 'ephemeral', ...NOTES.unhandled() });
      return true;
    },
    unhandledRequestHandler: ({ logger: boltLog, response }) => {
      boltLog.warn('a Slack request was not acknowledged in time by any listener');
      if (!response.headersSent) sendJson(response, 200, {});
    },
  };
}
