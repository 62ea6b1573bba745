import type { SlackMessage } from '../blocks/types.js';
import type { PostResult, SlackNotifier } from '../notifier.js';

/**
 * Slack's pace for new messages: "1 message per second per channel", short bursts allowed (Slack's
 * chat.postMessage page and "Rate limits"; `reference/slack-facts.md`). Flowbot keeps to it for alerts, with a
 * burst smaller than Slack tolerates so that network delays never make a post look early to Slack.
 */
export const CHANNEL_PACE = { perSecond: 1, burst: 2 } as const;

/** What the alert desk sends through: posts and updates, as the notifier answers them. */
export interface AlertSender {
  post(channel: string, message: SlackMessage, threadTs?: string): Promise<PostResult>;
  update(channel: string, ts: string, message: SlackMessage): Promise<PostResult>;
}

/**
 * The notifier, with every post into a channel waiting its turn: a token bucket per channel (`CHANNEL_PACE`),
 * so a storm of alerts meets Slack's pace instead of its 429s. The wait is in this process; what another
 * replica posts meets Slack's 429, which the WebClient waits out (Retry-After). Updates are not paced here:
 * the roll-up's are coalesced by the desk, and a living alert is updated when its own key alerts again.
 */
export class PacedSender implements AlertSender {
  private readonly buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();

  constructor(
    private readonly notifier: Pick<SlackNotifier, 'post' | 'update'>,
    private readonly now: () => number = Date.now,
  ) {}

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<PostResult> {
    await this.turn(channel);
    try {
      return await this.notifier.post(channel, message, threadTs);
    } finally {
      // Slack counted the post when it arrived, later than it was sent: refill from the answer, not the send.
      const bucket = this.buckets.get(channel);
      if (bucket) bucket.at = Math.max(bucket.at, this.now());
    }
  }

  update(channel: string, ts: string, message: SlackMessage): Promise<PostResult> {
    return this.notifier.update(channel, ts, message);
  }

  /** Resolves when a post into `channel` may go; posts into one channel take turns in call order. */
  private turn(channel: string): Promise<void> {
    const bucket = this.buckets.get(channel) ?? {
      tokens: CHANNEL_PACE.burst,
      at: this.now(),
      queue: Promise.resolve(),
    };
    this.buckets.set(channel, bucket);
    const mine = bucket.queue.then(async () => {
      const now = this.now();
      bucket.tokens = Math.min(
        CHANNEL_PACE.burst,
        bucket.tokens + ((now - bucket.at) / 1000) * CHANNEL_PACE.perSecond,
      );
      bucket.at = now;
      if (bucket.tokens < 1) {
        const waitMs = Math.ceil(((1 - bucket.tokens) / CHANNEL_PACE.perSecond) * 1000);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        bucket.tokens = 1;
        bucket.at = this.now();
      }
      bucket.tokens -= 1;
    });
    bucket.queue = mine;
    return mine;
  }
}
