import { randomUUID } from 'node:crypto';
import type { StateStore } from '../store/state-store.js';
import type { PendingChange, Source } from './change.js';

export interface ApprovalRequest {
  readonly id: string;
  readonly requesterId: string;
  /** The requester's team when it is not Flowbot's: the approved change runs for them as they are. */
  readonly requesterTeam?: string;
  readonly channelId: string | undefined;
  readonly change: PendingChange;
  readonly rule: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Where the approval card is, once posted. */
  readonly message?: { readonly channel: string; readonly ts: string };
  /** What the request came from, and its id (absent in requests stored by older versions). */
  readonly source?: Source;
  readonly requestId?: string;
}

export type ApprovalDecision =
  | { readonly kind: 'decided'; readonly request: ApprovalRequest }
  | { readonly kind: 'gone' }
  | { readonly kind: 'own_request' };

const NAMESPACE = 'approval';
/** Expired requests stay readable a while, so a late click is told "expired" rather than "unknown". */
const AFTERLIFE_MS = 24 * 60 * 60_000;

/**
 * Changes waiting for a second person. Taking the request out of the store is the single atomic step that
 * decides it, so Approve and Reject (and expiry) act once between them, on any replica.
 */
export class Approvals {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    requesterId: string,
    channelId: string | undefined,
    change: PendingChange,
    rule: string,
    expiresMs: number,
    origin: { readonly source?: Source; readonly requestId?: string; readonly requesterTeam?: string } = {},
  ): Promise<ApprovalRequest> {
    const createdAt = this.now();
    const request: ApprovalRequest = {
      id: randomUUID(),
      requesterId,
      channelId,
      change,
      rule,
      createdAt,
      expiresAt: createdAt + expiresMs,
      ...(origin.source ? { source: origin.source } : {}),
      ...(origin.requestId ? { requestId: origin.requestId } : {}),
      ...(origin.requesterTeam ? { requesterTeam: origin.requesterTeam } : {}),
    };
    await this.store.set(NAMESPACE, request.id, request, { ttlMs: expiresMs + AFTERLIFE_MS });
    return request;
  }

  async attachMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = await this.store.getEntry<ApprovalRequest>(NAMESPACE, id);
      if (!entry) return;
      const ttlMs = entry.value.expiresAt + AFTERLIFE_MS - this.now();
      if (
        await this.store.compareAndSet(NAMESPACE, id, entry.version, { ...entry.value, message }, { ttlMs })
      )
        return;
    }
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!isHandle(id)) return undefined;
    return this.store.get<ApprovalRequest>(NAMESPACE, id);
  }

  /** Requests still waiting for a decision. */
  async open(): Promise<ApprovalRequest[]> {
    const now = this.now();
    return (await this.store.list<ApprovalRequest>(NAMESPACE))
      .map((entry) => entry.value)
      .filter((request) => request.expiresAt > now);
  }

  /** Approve or reject: someone other than the requester, before expiry; the first decision wins. */
  async decide(id: string, deciderId: string): Promise<ApprovalDecision> {
    const request = await this.get(id);
    if (!request || request.expiresAt <= this.now()) return { kind: 'gone' };
    if (request.requesterId === deciderId) return { kind: 'own_request' };
    const taken = await this.store.take<ApprovalRequest>(NAMESPACE, id);
    if (!taken || taken.expiresAt <= this.now()) return { kind: 'gone' };
    return { kind: 'decided', request: taken };
  }

  /**
   * Puts a decided request back, unchanged, while it has time left (the approved change could not run yet);
   * false when it has expired meanwhile.
   */
  async reopen(request: ApprovalRequest): Promise<boolean> {
    const left = request.expiresAt - this.now();
    if (left <= 0) return false;
    return this.store.compareAndSet(NAMESPACE, request.id, undefined, request, {
      ttlMs: left + AFTERLIFE_MS,
    });
  }

  /** The requester may withdraw their own request. */
  async withdraw(id: string, requesterId: string): Promise<ApprovalRequest | undefined> {
    const request = await this.get(id);
    if (!request || request.requesterId !== requesterId) return undefined;
    return this.store.take<ApprovalRequest>(NAMESPACE, id);
  }

  /** Requests past their expiry, each taken once (by whichever replica gets there first). */
  async takeExpired(): Promise<ApprovalRequest[]> {
    const now = this.now();
    const expired: ApprovalRequest[] = [];
    for (const { id, value } of await this.store.list<ApprovalRequest>(NAMESPACE)) {
      if (value.expiresAt > now) continue;
      const taken = await this.store.take<ApprovalRequest>(NAMESPACE, id);
      if (taken) expired.push(taken);
    }
    return expired;
  }
}

function isHandle(id: string): boolean {
  return /^[0-9a-f-]{36}$/.test(id);
}
