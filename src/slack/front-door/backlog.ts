/**
 * The app's backlog as the front door sees it, and the bound on it (`FLOW_MAX_IN_FLIGHT`).
 *
 * The front door acknowledges at once and hands requests over; without a bound, everything the app has not
 * finished (requests not yet processed, changes waiting on QStash or joined onto a shared call, replies not
 * yet sent) would grow with the offered rate, not with what the app can do. The front door counts what it
 * handed over; the app reports how many of those its listeners have finished with and how much work it still
 * runs after the acknowledgement (each request's change and reply). What is in flight is the sum: a request
 * whose listener has started its work and not yet returned counts twice for that moment, never zero times.
 */

/** What the app reports (cumulative counts only grow; a later report replaces an earlier one). */
export interface BacklogReport {
  /** Requests this front door handed over whose listeners have returned (cumulative). */
  readonly finished: number;
  /** Work the app still runs after acknowledgements (changes, reads, replies being sent), now. */
  readonly working: number;
  /** Work that has ended since the app started (cumulative): how fast the backlog drains. */
  readonly completed: number;
}

export type BacklogAdmission =
  | { readonly kind: 'admitted' }
  /** Not handed over; about when there should be room again (whole seconds, 1 to 60). */
  | { readonly kind: 'overloaded'; readonly retryAfterMs: number };

/** How far back the drain rate is measured. */
const RATE_WINDOW_MS = 5_000;
/** Samples of the drain are kept at most this often, so the window holds a bounded number of them. */
const SAMPLE_EVERY_MS = 100;
const MAX_RETRY_S = 60;
/** Before any work has been seen ending within a whole window (the first seconds of a burst): a guess. */
const UNMEASURED_RETRY_S = 10;

export class Backlog {
  private handedOver = 0;
  private finished = 0;
  private working = 0;
  private readonly samples: { at: number; completed: number }[] = [];

  /** `max` requests in flight at most (1 or more); `now` in ms. Throws on a bound below 1. */
  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(max >= 1)) throw new Error('The bound on requests in flight must be at least 1.');
  }

  /** Requests handed over and not finished, plus the work the app still runs. */
  get inFlight(): number {
    return Math.max(0, this.handedOver - this.finished) + this.working;
  }

  /**
   * Whether a request may be handed over now; an admitted one is counted as handed over. Past the bound it is
   * not counted, and the answer says when to try again.
   */
  admit(): BacklogAdmission {
    if (this.inFlight < this.max) {
      this.handedOver += 1;
      return { kind: 'admitted' };
    }
    return { kind: 'overloaded', retryAfterMs: this.retryAfterMs() };
  }

  /** Counts a request handed over whatever the bound (one Flowbot can't answer without the app). */
  handOver(): void {
    this.handedOver += 1;
  }

  report(report: BacklogReport): void {
    this.finished = Math.min(this.handedOver, Math.max(this.finished, report.finished));
    this.working = Math.max(0, report.working);
    const at = this.now();
    const last = this.samples.at(-1);
    if (last && at - last.at < SAMPLE_EVERY_MS) last.completed = Math.max(last.completed, report.completed);
    else this.samples.push({ at, completed: report.completed });
    // One sample older than the window stays as the baseline the rate is measured from.
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) > RATE_WINDOW_MS) this.samples.shift();
  }

  /**
   * About how long what is in flight takes to drain at the rate work has been ending lately (whole seconds,
   * at least 1, at most 60). Nothing ended over a whole window (QStash stuck): 60. Not measured over a whole
   * window yet and nothing ended (a burst's first seconds, before its first changes are done): 10.
   */
  private retryAfterMs(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const spanMs = first && last ? last.at - first.at : 0;
    const ended = first && last ? last.completed - first.completed : 0;
    let seconds: number;
    if (ended > 0 && spanMs > 0) seconds = Math.ceil((this.inFlight * spanMs) / (ended * 1000));
    else seconds = spanMs >= RATE_WINDOW_MS ? MAX_RETRY_S : UNMEASURED_RETRY_S;
    return Math.min(MAX_RETRY_S, Math.max(1, seconds)) * 1000;
  }
}
