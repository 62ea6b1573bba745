import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';

/**
 * The views of the fake workspace: each person's Home tab (views.publish) and the modals opened with a
 * trigger_id (views.open / views.push, then views.update). Slack's rules for trigger_ids: one view per
 * trigger_id, within 3 seconds of the interaction that made it (`exchanged_trigger_id`,
 * `expired_trigger_id`), and only trigger_ids Slack itself issued (`invalid_trigger_id`).
 */

export const TRIGGER_TTL_MS = 3_000;

/** A view opened (views.open / push) or published (views.publish), as stored by the fake. */
export interface OpenedView {
  id: string;
  /** The Home tab's owner (views.publish). */
  user?: string;
  view: Record<string, unknown>;
}

export type ViewResult = { ok: true; stored: OpenedView } | { ok: false; error: string };

export class SlackViews {
  private readonly triggers = new Map<string, { issued: number; used: boolean }>();
  private readonly homes = new Map<string, OpenedView>();
  private readonly opened: OpenedView[] = [];
  private triggerCounter = 0;
  private viewCounter = 0;

  constructor(private readonly clock: Clock) {}

  /** A trigger_id as Slack sends with a command or a click: `<seconds>.<n>.<hex>`. */
  issueTrigger(): string {
    this.triggerCounter += 1;
    const now = this.clock.now();
    const id = `${Math.floor(now / 1000)}.${this.triggerCounter}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { issued: now, used: false });
    return id;
  }

  /** Slack's answer to exchanging this trigger_id now, or undefined when it may open a view. */
  triggerProblem(id: string | undefined): string | undefined {
    if (id === undefined) return 'invalid_arguments';
    const trigger = this.triggers.get(id);
    if (trigger === undefined) return 'invalid_trigger_id';
    if (trigger.used) return 'exchanged_trigger_id';
    if (this.clock.now() - trigger.issued > TRIGGER_TTL_MS) return 'expired_trigger_id';
    return undefined;
  }

  /** Opens a modal with a trigger_id that `triggerProblem` accepted; the trigger_id is used up. */
  open(triggerId: string, view: Record<string, unknown>): OpenedView {
    const trigger = this.triggers.get(triggerId);
    if (trigger) trigger.used = true;
    const stored = this.stored(view);
    this.opened.push(stored);
    return stored;
  }

  publish(user: string, view: Record<string, unknown>): OpenedView {
    const previous = this.homes.get(user);
    const stored = previous ? { ...previous, view: { ...view } } : this.stored(view, user);
    this.homes.set(user, stored);
    return stored;
  }

  /** The opened view with this id or external_id, or undefined (Slack: `not_found`). */
  find(id: string | undefined, externalId: string | undefined): OpenedView | undefined {
    return this.opened.find(
      (v) =>
        (id !== undefined && v.id === id) || (externalId !== undefined && v.view.external_id === externalId),
    );
  }

  home(user: string): OpenedView | undefined {
    const view = this.homes.get(user);
    return view === undefined ? undefined : { ...view };
  }

  all(): OpenedView[] {
    return this.opened.map((v) => ({ ...v }));
  }

  private stored(view: Record<string, unknown>, user?: string): OpenedView {
    this.viewCounter += 1;
    return {
      id: `V${String(this.viewCounter).padStart(8, '0')}`,
      ...(user === undefined ? {} : { user }),
      view: { ...view },
    };
  }
}
