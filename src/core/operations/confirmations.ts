import { randomUUID } from 'node:crypto';
import type { StateStore } from '../store/state-store.js';
import type { PendingChange } from './change.js';

export interface PendingConfirmation {
  readonly id: string;
  readonly actorId: string;
  readonly channelId: string | undefined;
  readonly change: PendingChange;
  readonly createdAt: number;
}

export type ConfirmResult =
  | { readonly kind: 'confirmed'; readonly pending: PendingConfirmation }
  | { readonly kind: 'gone' }
  | { readonly kind: 'not_yours' };

const NAMESPACE = 'confirm';

/**
 * Changes waiting for the asker's Confirm. The id in the button is only a handle: the change itself stays
 * here, so a forged button value can't smuggle in another action or key. Taking the entry is the one atomic
 * step, which is what makes Confirm act once however often it is clicked.
 */
export class Confirmations {
  constructor(
    private readonly store: StateStore,
    readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    actorId: string,
    channelId: string | undefined,
    change: PendingChange,
  ): Promise<PendingConfirmation> {
    const pending: PendingConfirmation = {
      id: randomUUID(),
      actorId,
      channelId,
      change,
      createdAt: this.now(),
    };
    await this.store.set(NAMESPACE, pending.id, pending, { ttlMs: this.ttlMs });
    return pending;
  }

  async confirm(id: string, actorId: string): Promise<ConfirmResult> {
    if (!isHandle(id)) return { kind: 'gone' };
    const pending = await this.store.get<PendingConfirmation>(NAMESPACE, id);
    if (!pending) return { kind: 'gone' };
    if (pending.actorId !== actorId) return { kind: 'not_yours' };
    const taken = await this.store.take<PendingConfirmation>(NAMESPACE, id);
    return taken ? { kind: 'confirmed', pending: taken } : { kind: 'gone' };
  }

  async cancel(id: string, actorId: string): Promise<PendingConfirmation | undefined> {
    if (!isHandle(id)) return undefined;
    const pending = await this.store.get<PendingConfirmation>(NAMESPACE, id);
    if (!pending || pending.actorId !== actorId) return undefined;
    return this.store.take<PendingConfirmation>(NAMESPACE, id);
  }
}

function isHandle(id: string): boolean {
  return /^[0-9a-f-]{36}$/.test(id);
}
