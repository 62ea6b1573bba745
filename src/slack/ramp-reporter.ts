import type { FlowKeyState } from '../core/qstash/types.js';
import type { Ramp } from '../core/ramp/ramp-record.js';
import type { RampReporter } from '../core/ramp/ramps.js';
import type { KeyNaming } from './blocks/outcome.js';
import { rampMessage } from './blocks/ramp.js';
import type { FollowUps } from './follow-ups.js';
import type { SlackNotifier } from './notifier.js';

/**
 * A ramp's progress message: posted once in the channel where it started (or, where Flowbot cannot post there,
 * to the person who started it by DM), then updated in place.
 */
export class SlackRampReporter implements RampReporter {
  constructor(
    private readonly notifier: SlackNotifier,
    private readonly followUps: FollowUps,
    private readonly naming: KeyNaming,
  ) {}

  async report(
    ramp: Ramp,
    state: FlowKeyState | undefined,
  ): Promise<{ channel: string; ts: string } | undefined> {
    const message = rampMessage(ramp, state, this.naming);
    if (ramp.message) {
      await this.notifier.update(ramp.message.channel, ramp.message.ts, message);
      return undefined;
    }
    if (!ramp.channelId) return undefined;
    const posted = await this.followUps.post(ramp.channelId, ramp.startedBy, message, { updatable: true });
    return posted.kind === 'posted' && posted.via !== 'response_url'
      ? { channel: posted.channel, ts: posted.ts }
      : undefined;
  }
}
