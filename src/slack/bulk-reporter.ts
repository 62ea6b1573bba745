import type { BulkReporter } from '../core/bulk/bulk-actions.js';
import type { BulkBatch } from '../core/bulk/bulk-batch.js';
import { bulkApprovalCard, bulkSummaryMessage } from './blocks/bulk.js';
import type { KeyNaming } from './blocks/outcome.js';
import type { SlackMessage } from './blocks/types.js';
import type { FollowUps } from './follow-ups.js';
import type { SlackNotifier } from './notifier.js';

/**
 * Draws a bulk batch's messages in its channel: posted once, then redrawn in place (core calls at a coalesced
 * pace, so chat.update stays well under its Tier 3 limit). Failures are logged by the notifier; the batch
 * runs on regardless.
 */
export class SlackBulkReporter implements BulkReporter {
  constructor(
    private readonly notifier: SlackNotifier,
    private readonly followUps: FollowUps,
    private readonly naming: KeyNaming,
  ) {}

  /**
   * The summary is posted where the batch was asked for, or (where Flowbot can't post) to the person who
   * confirmed it by DM, and redrawn there.
   */
  async summary(batch: BulkBatch): Promise<{ channel: string; ts: string } | undefined> {
    const message = bulkSummaryMessage(batch, this.naming);
    if (batch.message || !batch.channelId) {
      const drawn = await this.draw(batch, batch.message, message);
      return 'error' in drawn ? undefined : drawn;
    }
    const posted = await this.followUps.post(batch.channelId, batch.actorId, message, { updatable: true });
    return posted.kind === 'posted' && posted.via !== 'response_url'
      ? { channel: posted.channel, ts: posted.ts }
      : undefined;
  }

  approvalCard(batch: BulkBatch): Promise<{ channel: string; ts: string } | { error: string }> {
    return this.draw(batch, batch.approval?.message, bulkApprovalCard(batch, this.naming));
  }

  private async draw(
    batch: BulkBatch,
    at: { channel: string; ts: string } | undefined,
    message: SlackMessage,
  ): Promise<{ channel: string; ts: string } | { error: string }> {
    if (at) {
      await this.notifier.update(at.channel, at.ts, message);
      return at;
    }
    if (!batch.channelId) return { error: 'channel_not_found' };
    const posted = await this.notifier.post(batch.channelId, message);
    return posted.kind === 'posted' ? { channel: posted.channel, ts: posted.ts } : { error: posted.error };
  }
}
