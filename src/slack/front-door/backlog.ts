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
/**
 * Work in flight with nothing ending for this long is stuck (QStash not answering): longer than a change takes
 * when QStash is merely slow (three calls, each bounded by the client's timeouts).
 */
const STUCK_AFTER_MS = 30_000;

export class Backlog {
  private handedOver = 0;
  private finished = 0;
  private working = 0;
  private readonly samples: { at: number; completed: number }[] = [];
  /** When work last ended, or started after none was running: how long work in flight has gone without ending. */
  private progressAt: number;
  private lastCompleted = 0;

  /** `max` requests in flight at most (1 or more); `now` in ms. Throws on a bound below 1. */
  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(max >= 1)) throw new Error('The bound on requests in flight must be at least 1.');
    this.progressAt = now();
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
    const at = this.now();
    if (report.completed > this.lastCompleted || (this.working === 0 && report.working > 0))
      this.progressAt = at;
    this.lastCompleted = Math.max(this.lastCompleted, report.completed);
    this.working = Math.max(0, report.working);
    const last = this.samples.at(-1);
    if (last && at - last.at < SAMPLE_EVERY_MS) last.completed = Math.max(last.completed, report.completed);
    else this.samples.push({ at, completed: report.completed });
    // Only the window counts: a sample from before a quiet spell would make the rate look slow.
    while (this.samples.length > 1 && at - (this.samples[0]?.at ?? at) > RATE_WINDOW_MS) this.samples.shift();
  }

  /**
   * About how long what is in flight takes to drain at the rate work has ended over the last window (whole
   * seconds, at least 1, at most 60). Nothing ended for STUCK_AFTER_MS while work was in flight (QStash
   * stuck): 60. Too little measured (a burst's first seconds, before its first changes are done): 10.
   */
  private retryAfterMs(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const now = this.now();
    const spanMs = first && last ? last.at - first.at : 0;
    const ended = first && last ? last.completed - first.completed : 0;
    let seconds: number;
    if (ended > 0 && spanMs >= MIN_SPAN_MS && now - (last?.at ?? now) <= RATE_WINDOW_MS)
      seconds = Math.ceil((this.inFlight * spanMs) / (ended * 1000));
    else if (now - this.progressAt >= STUCK_AFTER_MS) seconds = MAX_RETRY_S;
    else seconds = UNMEASURED_RETRY_S;
    return Math.min(MAX_RETRY_S, Math.max(1, seconds)) * 1000;
  }
}
