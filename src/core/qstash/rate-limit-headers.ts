import type { QStashLimitKind } from './errors.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Which limit a 429 came from, and when it resets (epoch ms), as far as the headers say. */
export interface RateLimitFacts {
  readonly limit: QStashLimitKind | undefined;
  readonly resetAt: number | undefined;
}

/**
 * A burst limit resets within a second or so; anything resetting later than this is the daily quota (which
 * resets at the next UTC midnight), even when it comes in the older header spelling shared by both.
 */
const BURST_RESET_MAX_MS = 60_000;

/**
 * Reads a 429's headers. Pure. Source: https://upstash.com/docs/qstash/api/api-ratelimiting — the burst limit
 * sends `Burst-RateLimit-Limit/-Remaining/-Reset`, the daily quota `RateLimit-Limit/-Remaining/-Reset`, each
 * reset a unix timestamp in seconds (older answers sent the burst limit with `RateLimit-*`, which is why a
 * `RateLimit-Reset` within a minute counts as a burst). Headers absent or unreadable: both fields undefined.
 */
export function rateLimitFacts(headers: Headers | undefined, nowMs: number): RateLimitFacts {
  if (!headers) return { limit: undefined, resetAt: undefined };
  const burstReset = resetMs(headers['burst-ratelimit-reset'], nowMs);
  const burstRemaining = numberOf(headers['burst-ratelimit-remaining']);
  const dailyReset = resetMs(headers['ratelimit-reset'], nowMs);
  const dailyRemaining = numberOf(headers['ratelimit-remaining']);
  // The quota used up outranks the burst: waiting out the second would not help.
  if (dailyRemaining === 0 && dailyReset !== undefined && dailyReset - nowMs > BURST_RESET_MAX_MS)
    return { limit: 'daily', resetAt: dailyReset };
  if (burstReset !== undefined || burstRemaining !== undefined)
    return { limit: 'burst', resetAt: burstReset };
  if (dailyReset !== undefined)
    return { limit: dailyReset - nowMs > BURST_RESET_MAX_MS ? 'daily' : 'burst', resetAt: dailyReset };
  if (dailyRemaining === 0) return { limit: 'daily', resetAt: undefined };
  return { limit: undefined, resetAt: undefined };
}

function numberOf(raw: string | string[] | undefined): number | undefined {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A unix timestamp in seconds; small values are relative seconds, from servers that send those instead. */
function resetMs(raw: string | string[] | undefined, nowMs: number): number | undefined {
  const value = numberOf(raw);
  if (value === undefined || value === 0) return undefined;
  return value > 1e9 ? value * 1000 : nowMs + value * 1000;
}
