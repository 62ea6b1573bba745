/**
 * Bolt's own handling of Slack's HTTP requests, loaded without the rest of Bolt: reading the body within a
 * size limit, the signature and timestamp checks (`verifySlackRequest`, through `parseAndVerifyHTTPRequest`,
 * which also lets Slack's unsigned `ssl_check` through with its payload stripped), parsing the form or JSON
 * body, the `ssl_check` and `url_verification` answers, the acknowledgement object with its "not acknowledged in
 * time" timer, the retry headers, and how Bolt tells a payload's kind.
 *
 * Why deep imports: the front door thread only receives and acknowledges requests. `@slack/bolt`'s package root
 * loads the whole App (`@slack/web-api`, axios, the OAuth and Socket Mode clients…), about 30 MB of a thread's
 * RSS, for nothing the thread uses. Bolt 5 exports these pieces only from that root, but has no `exports` map,
 * so the files under `dist/` can be imported on their own. They are not Bolt's public API: this is the one
 * place that names their paths, and `test/unit/bolt-http.test.ts` fails if a Bolt release moves or renames
 * them (then use the root import again, or the new paths). Never replace them with checks of our own.
 *
 * Source: `@slack/bolt` 5.1 `dist/receivers/HTTPReceiver.js`, which composes exactly these.
 */

export { getTypeAndConversation, IncomingEventType } from '@slack/bolt/dist/helpers.js';
export {
  buildNoBodyResponse,
  buildSSLCheckResponse,
  buildUrlVerificationResponse,
  defaultBodyLimit,
  extractRetryNumFromHTTPRequest,
  extractRetryReasonFromHTTPRequest,
  isRawBodyError,
  parseAndVerifyHTTPRequest,
  parseHTTPRequestBody,
} from '@slack/bolt/dist/receivers/HTTPModuleFunctions.js';
export { HTTPResponseAck } from '@slack/bolt/dist/receivers/HTTPResponseAck.js';
