/**
 * A share of the bound on work in flight (`FLOW_MAX_IN_FLIGHT`) for requests that don't pass through the
 * front door's count (alert intake): each takes units (one per 32 KiB it may hold, the size the bound is
 * reckoned in) for as long as it runs, and is refused when the units in use plus the app's other requests in
 * flight would pass the bound. A request always fits when nothing else is in flight, however large, so one
 * large request can't be refused for ever by a small bound.
 */
export class InFlightBudget {
  private taken = 0;

  /** `max` units at most (1 or more); `others()` is the app's other work in flight now, in the same units. */
  constructor(
    private readonly max: number,
    private readonly others: () => number = () => 0,
  ) {}

  /** Units held now by this budget's requests. */
  get inUse(): number {
    return this.taken;
  }

  /**
   * Takes `units` (rounded up, at least 1) if they fit; returns the function that gives them back (calling it
   * again does nothing), or undefined when they don't fit (nothing is taken).
   */
  take(units: number): (() => void) | undefined {
    const wanted = Math.max(1, Math.ceil(Number.isFinite(units) ? units : this.max));
    const busy = this.taken + Math.max(0, this.others());
    if (busy > 0 && busy + wanted > this.max) return undefined;
    this.taken += wanted;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken -= wanted;
    };
  }
}
