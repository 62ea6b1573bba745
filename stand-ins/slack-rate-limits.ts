import type { Clock } from './clock.js';

/**
 * Slack's Web API rate limits as the fake Slack enforces them when a test turns them on. Sources: Slack's
 * "Rate limits" page (tiers: Tier 2 "20+ per minute", Tier 3 "50+ per minute", Tier 4 "100+ per minute", each
 * per method and per workspace, "sporadic bursts welcome"; chat.postMessage: "1 message per second per
 * channel", bursts over that "for short periods"), and the method pages for each method's tier. Slack's tier
 * numbers are floors ("50+"), so using them as exact ceilings errs on the strict side.
 */
export interface SlackRateLimits {
  /** chat.postMessage, per channel: a token bucket refilled at `perSecond`, holding at most `burst`. */
  readonly postMessagePerChannel: { readonly perSecond: number; readonly burst: number };
  /** Other methods, shared by the whole workspace: at most this many calls in any 60 seconds. */
  readonly perMinute: Readonly<Record<string, number>>;
}

export const SLACK_RATE_LIMITS: SlackRateLimits = {
  postMessagePerChannel: { perSecond: 1, burst: 3 },
  perMinute: {
    // Tier 2
    'usergroups.users.list': 20,
    // Tier 3
    'chat.update': 50,
    'chat.delete': 50,
    'conversations.info': 50,
    'conversations.open': 50,
    // Tier 4
    'chat.postEphemeral': 100,
    'views.publish': 100,
    'views.open': 100,
    'views.update': 100,
    'views.push': 100,
  },
};

/** `true` for Slack's limits as above; an object to change some of them; `false` for none. */
export type SlackRateLimitSettings =
  | boolean
  | {
      readonly postMessagePerChannel?: Partial<SlackRateLimits['postMessagePerChannel']>;
      readonly perMinute?: Readonly<Record<string, number>>;
    };

export function resolveRateLimits(settings: SlackRateLimitSettings): SlackRateLimits | undefined {
  if (settings === false) return undefined;
  if (settings === true) return SLACK_RATE_LIMITS;
  return {
    postMessagePerChannel: { ...SLACK_RATE_LIMITS.postMessagePerChannel, ...settings.postMessagePerChannel },
    perMinute: { ...SLACK_RATE_LIMITS.perMinute, ...settings.perMinute },
  };
}

const MINUTE_MS = 60_000;

/**
 * Decides, call by call, whether Slack would answer 429. Only calls that go through are counted against the
 * limits; a refused one is not (Slack tells the app to wait, and the wait is what the test checks).
 */
export class SlackRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly limits: SlackRateLimits,
    private readonly clock: Clock,
  ) {}

  /** Undefined when the call may go (and it is counted), otherwise the whole seconds Slack says to wait. */
  take(method: string, channel: string | undefined): number | undefined {
    const now = this.clock.now();
    if (method === 'chat.postMessage' && channel !== undefined) return this.takeFromBucket(channel, now);
    const perMinute = this.limits.perMinute[method];
    if (perMinute === undefined) return undefined;
    const recent = (this.windows.get(method) ?? []).filter((t) => t > now - MINUTE_MS);
    this.windows.set(method, recent);
    const oldest = recent[0];
    if (recent.length >= perMinute && oldest !== undefined)
      return Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000));
    recent.push(now);
    return undefined;
  }

  private takeFromBucket(channel: string, now: number): number | undefined {
    const { perSecond, burst } = this.limits.postMessagePerChannel;
    const bucket = this.buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    bucket.tokens -= 1;
    return undefined;
  }
}
