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
/** Too little measured to tell a rate (the first seconds of a burst): a guess. */
const UNMEASURED_RETRY_S = 10;
/** A rate is measured over at least this long. */
const MIN_SPAN_MS = 1_000;
/** Reports over this long with nothing ending: the work is stuck (QStash not answering). */
const STUCK_AFTER_MS = RATE_WINDOW_MS - 1_000;

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
    // Only the window counts: a sample from before a quiet spell would make the rate look slow.
    while (this.samples.length > 1 && at - (this.samples[0]?.at ?? at) > RATE_WINDOW_MS) this.samples.shift();
  }

  /**
   * About how long what is in flight takes to drain at the rate work has ended over the last window (whole
   * seconds, at least 1, at most 60). Nothing ended while the app reported for most of a window (QStash
   * stuck): 60. Too little measured yet (a burst's first seconds, before its first changes are done): 10.
   */
  private retryAfterMs(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last) return UNMEASURED_RETRY_S * 1000;
    const now = this.now();
    const spanMs = last.at - first.at;
    const ended = last.completed - first.completed;
    let seconds: number;
    // The app reports whenever work ends: no report for a whole window, nothing ended in it.
    if (now - last.at > RATE_WINDOW_MS) seconds = MAX_RETRY_S;
    else if (ended > 0 && spanMs >= MIN_SPAN_MS)
      seconds = Math.ceil((this.inFlight * spanMs) / (ended * 1000));
    else if (ended === 0 && now - first.at >= STUCK_AFTER_MS) seconds = MAX_RETRY_S;
    else seconds = UNMEASURED_RETRY_S;
    return Math.min(MAX_RETRY_S, Math.max(1, seconds)) * 1000;
  }
}
