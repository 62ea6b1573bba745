import type { Logger } from 'pino';
import { outbound } from '../blocks/outbound.js';
import { overloadedMessage } from '../blocks/refusal.js';

/** How many notes may be on their way at once; the rest wait their turn. */
const MAX_NOTES_IN_FLIGHT = 64;
/**
 * How many may wait (a URL and a number each, about 300 bytes: 3 MB at most); past it a note is logged
 * instead. A response_url takes five posts over 30 minutes (slack-facts.md), so a note that waited is still on time.
 */
const MAX_NOTES_WAITING = 10_000;
/** A response_url that takes longer than this is given up on (ms). */
const NOTE_TIMEOUT_MS = 5_000;

/**
 * Tells a person whose click the front door refused as overloaded (FLOW_MAX_IN_FLIGHT) that nothing was done,
 * through the click's response_url: Slack shows nothing of a click's acknowledgement. Sent from the app's
 * thread, so the front door's loop does nothing but acknowledge. A plain POST of the message, as Slack's
 * response_url takes it (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses):
 * private, the clicked message left as it is. At most MAX_NOTES_IN_FLIGHT at once, the rest in order.
 * Never throws; failures are logged.
 */
export class OverloadNotes {
  private inFlight = 0;
  private readonly waiting: { readonly responseUrl: string; readonly retryAfterMs: number }[] = [];

  constructor(private readonly logger: Logger) {}

  /** Sends the note now, or once one of those on their way is done. */
  tell(responseUrl: string, retryAfterMs: number): void {
    if (!/^https?:\/\//.test(responseUrl)) return;
    if (this.inFlight < MAX_NOTES_IN_FLIGHT) {
      void this.send(responseUrl, retryAfterMs);
      return;
    }
    if (this.waiting.length >= MAX_NOTES_WAITING) {
      this.logger.warn('a click refused as overloaded could not be told so (too many notes waiting)');
      return;
    }
    this.waiting.push({ responseUrl, retryAfterMs });
  }

  /** Notes on their way and waiting (for tests). */
  get pending(): number {
    return this.inFlight + this.waiting.length;
  }

  private async send(responseUrl: string, retryAfterMs: number): Promise<void> {
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
    } catch (error) {
      this.logger.warn({ err: error }, 'could not tell a click it was refused as overloaded');
    } finally {
      this.inFlight -= 1;
      const next = this.waiting.shift();
      if (next) void this.send(next.responseUrl, next.retryAfterMs);
    }
  }
}
