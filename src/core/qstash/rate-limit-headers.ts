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

const DAY_MS = 86_400_000;

/**
 * Whether a `RateLimit-Reset` reads as the daily quota's: resetting later than a burst can, or on a UTC
 * midnight (where the quota resets). The second keeps the quota's last minute of the day from reading as a
 * burst: how near the reset is depends only on when the quota ran out.
 */
function isQuotaReset(resetAt: number, nowMs: number): boolean {
  return resetAt - nowMs > BURST_RESET_MAX_MS || resetAt % DAY_MS === 0;
}

/**
 * Reads a 429's headers. Pure. Source: https://upstash.com/docs/qstash/api/api-ratelimiting — the burst limit
 * sends `Burst-RateLimit-Limit/-Remaining/-Reset`, the daily quota `RateLimit-Limit/-Remaining/-Reset`, each
 * reset a unix timestamp in seconds (older answers sent the burst limit with `RateLimit-*`, which is why a
 * `RateLimit-Reset` within a minute counts as a burst, unless it falls on a UTC midnight). Headers absent or
 * unreadable: both fields undefined.
 */
export function rateLimitFacts(headers: Headers | undefined, nowMs: number): RateLimitFacts {
  if (!headers) return { limit: undefined, resetAt: undefined };
  const burstReset = resetMs(headers['burst-ratelimit-reset'], nowMs);
  const burstRemaining = numberOf(headers['burst-ratelimit-remaining']);
  const quotaReset = resetMs(headers['ratelimit-reset'], nowMs);
  const dailyRemaining = numberOf(headers['ratelimit-remaining']);
  // The quota used up outranks the burst: waiting out the second would not help.
  if (dailyRemaining === 0 && quotaReset !== undefined && isQuotaReset(quotaReset, nowMs))
    return { limit: 'daily', resetAt: quotaReset };
  if (burstReset !== undefined || burstRemaining !== undefined)
    return { limit: 'burst', resetAt: burstReset };
  if (quotaReset !== undefined)
    return { limit: isQuotaReset(quotaReset, nowMs) ? 'daily' : 'burst', resetAt: quotaReset };
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
