/**
 * How long to wait before trying QStash again. Pure, so the policy can be tested without a clock.
 * QStash's 429 carries `Burst-RateLimit-Reset` (unix seconds; older responses `RateLimit-Reset`);
 * `Retry-After` wins when present because it is the server's explicit instruction.
 */
export interface RetryDelayInput {
  readonly attempt: number;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>> | undefined;
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** 0..1, the random part of the jitter; injectable for tests. */
  readonly random: number;
}

/** Milliseconds to wait, or 0 to give up because the wait would end past the deadline. */
export function retryDelay(input: RetryDelayInput): number {
  // An unparseable Retry-After reaches here as NaN: fall back to the rate-limit headers, then to backoff.
  const retryAfter = Number.isFinite(input.retryAfterMs) ? input.retryAfterMs : undefined;
  let delay = retryAfter ?? resetDelay(input.headers, input.nowMs);
  if (delay === undefined) {
    const exponential = Math.min(input.maxDelayMs, input.baseDelayMs * 2 ** (input.attempt - 1));
    // Full jitter halves the chance that several replicas retry in lockstep.
    delay = exponential / 2 + (exponential / 2) * input.random;
  }
  delay = Math.max(1, Math.ceil(delay));
  return input.nowMs + delay > input.deadlineMs ? 0 : delay;
}

function resetDelay(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  nowMs: number,
): number | undefined {
  if (!headers) return undefined;
  for (const name of ['burst-ratelimit-reset', 'ratelimit-reset']) {
    const raw = headers[name];
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (!Number.isFinite(value) || value <= 0) continue;
    // A unix timestamp in seconds; small values are relative seconds from servers that send those instead.
    const ms = value > 1e9 ? value * 1000 - nowMs : value * 1000;
    return Math.max(0, ms);
  }
  return undefined;
}
