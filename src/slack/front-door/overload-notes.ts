import type { Logger } from 'pino';
import { outbound } from '../blocks/outbound.js';
import { overloadedMessage } from '../blocks/refusal.js';

/** How many notes may be on their way at once; past it a note is logged instead (a bound like the rest). */
const MAX_NOTES_IN_FLIGHT = 64;
/** A response_url that takes longer than this is given up on (ms). */
const NOTE_TIMEOUT_MS = 5_000;

/**
 * Tells a person whose click the front door refused as overloaded (FLOW_MAX_IN_FLIGHT) that nothing was done,
 * through the click's response_url: Slack shows nothing of a click's acknowledgement. Sent from the app's
 * thread, so the front door's loop does nothing but acknowledge. A plain POST of the message, as Slack's
 * response_url takes it (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses):
 * private, the clicked message left as it is. Never throws; failures are logged.
 */
export class OverloadNotes {
  private inFlight = 0;

  constructor(private readonly logger: Logger) {}

  async tell(responseUrl: string, retryAfterMs: number): Promise<boolean> {
    if (!/^https?:\/\//.test(responseUrl)) return false;
    if (this.inFlight >= MAX_NOTES_IN_FLIGHT) {
      this.logger.warn('a click refused as overloaded could not be told so (too many notes on their way)');
      return false;
    }
    this.inFlight += 1;
    try {
      const message = outbound(overloadedMessage(retryAfterMs));
      const answer = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...message, response_type: 'ephemeral', replace_original: false }),
        signal: AbortSignal.timeout(NOTE_TIMEOUT_MS),
      });
      await answer.arrayBuffer().catch(() => undefined);
      if (!answer.ok)
        this.logger.warn(
          { status: answer.status },
          'the response_url refused the note to a click refused as overloaded',
        );
      return answer.ok;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not tell a click it was refused as overloaded');
      return false;
    } finally {
      this.inFlight -= 1;
    }
  }
}
