import type { FlowKeyState } from '../qstash/types.js';
import type { ChangeRequest, QStashChange } from './change.js';

/** What one QStash step found and did: the key before, the key after, when the change was sent. */
export interface StepResult {
  readonly before: FlowKeyState | undefined;
  readonly after: FlowKeyState | undefined;
}

export interface Member {
  readonly actorId: string;
  readonly requestId: string;
}

/** One QStash step in flight, and every request it carries out (the first is its leader). */
export interface Flight {
  readonly result: Promise<StepResult>;
  readonly members: Member[];
}

/**
 * Changes of the same kind to the same key, asked in the same channel at the same time, share one QStash
 * step: pause, resume, pin, unpin and reset-rate set state, so sending the same one twice changes nothing the
 * first did not. Each request is still authorized, rate-limited, once-checked and audited on its own; only
 * the calls to QStash are shared.
 *
 * A flight takes joiners only until its change is sent: a request that arrives after that may follow another
 * change to the key and must be applied after it, so it starts a flight of its own.
 */
export class SharedChanges {
  private readonly open = new Map<string, Flight>();

  /** The flight a request would join now, if any. */
  joinable(request: ChangeRequest & { readonly change: QStashChange }): Flight | undefined {
    return this.open.get(shareKey(request));
  }

  /** Joins the open flight for this change, or starts one with `step`, which calls `sent` just before it sends the change. */
  join(
    request: ChangeRequest & { readonly change: QStashChange },
    step: (sent: () => void) => Promise<StepResult>,
  ): Flight {
    const key = shareKey(request);
    const open = this.open.get(key);
    const member = { actorId: request.actorId, requestId: request.requestId };
    if (open) {
      open.members.push(member);
      return open;
    }
    const close = () => {
      if (this.open.get(key) === flight) this.open.delete(key);
    };
    const flight: Flight = {
      members: [member],
      result: Promise.resolve()
        .then(() => step(close))
        .finally(close),
    };
    this.open.set(key, flight);
    return flight;
  }

  /** Flights taking joiners now (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }
}

/** Same environment, key, channel and QStash change (settings included); reasons and timers stay per request. */
function shareKey(request: ChangeRequest & { readonly change: QStashChange }): string {
  const { change } = request;
  const settings = change.action === 'pin' || change.action === 'unpin' ? change.settings : undefined;
  return JSON.stringify([
    request.target.environment,
    request.target.key,
    request.channelId ?? '',
    change.action,
    settings ?? null,
  ]);
}
