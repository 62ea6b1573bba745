/** What the sandbox server sends the page; shared by both sides, so it imports nothing. */

/** What the page needs to know about this sandbox, sent once per connection. */
export interface PageConfig {
  readonly mode: 'emulator' | 'qstash';
  readonly qstashUrl: string;
  readonly channel: { readonly id: string; readonly name: string };
  readonly people: readonly {
    readonly id: string;
    readonly name: string;
    readonly role: string;
    readonly access: string;
  }[];
  /** User ID → name, for mentions and message authors. */
  readonly users: Readonly<Record<string, string>>;
  /** User-group ID → handle. */
  readonly groups: Readonly<Record<string, string>>;
}

/**
 * One entry of the channel as the page shows it. Messages and ephemerals come from the fake Slack; a typed
 * command, a plain chat line and a Slack notice ("/flow failed…") are the sandbox's own, as they are
 * Slack's own in a real client.
 */
export interface TimelineItem {
  readonly key: string;
  readonly kind: 'message' | 'ephemeral' | 'command' | 'chat' | 'notice';
  /** Order of first appearance. */
  readonly seq: number;
  /** Epoch ms of first appearance, for the time next to the name. */
  readonly at: number;
  /** Bumped whenever the content changes, so the page redraws only what changed. */
  readonly version: number;
  readonly author: string;
  /** For ephemerals, typed commands and notices: the only person who sees it. */
  readonly visibleTo?: string;
  readonly ts?: string;
  readonly threadTs?: string;
  readonly text?: string;
  readonly blocks?: unknown[];
  readonly edited?: boolean;
}

/** One key as the side panel shows it (what the Upstash console shows). */
export interface PanelKey {
  readonly key: string;
  readonly paused: boolean;
  readonly waiting: number;
  readonly parallelismCount: number;
  readonly parallelismMax: number;
  readonly rateCount: number;
  readonly rateMax: number;
  /** Seconds. */
  readonly ratePeriod: number;
  readonly pinnedParallelism: boolean;
  readonly pinnedRate: boolean;
}

export interface PanelState {
  readonly keys: readonly PanelKey[];
  readonly global?: { readonly count: number; readonly max: number };
  readonly problem?: string;
  readonly checkedAt: number;
}

/** What a person has entered in one input of a modal. */
export interface FormEntry {
  readonly value?: string;
  readonly option?: { readonly text: string; readonly value: string };
  readonly conversation?: string;
}

/** A view (modal or Home tab) as the page shows it. */
export interface PageView {
  readonly id: string;
  readonly type: 'modal' | 'home';
  readonly user: string;
  readonly title?: string;
  readonly submit?: string;
  readonly close?: string;
  readonly blocks: unknown[];
  /** Bumped on every change, so the page redraws only what changed. */
  readonly hash: string;
}

/** The views people have (each person's Home and open modal) and Flowbot's private messages to them. */
export interface ViewsState {
  readonly homes: Readonly<Record<string, PageView>>;
  readonly modals: readonly PageView[];
  /** User ID → Flowbot's messages to them (its Messages tab), oldest first. */
  readonly messages: Readonly<Record<string, readonly { ts: string; text?: string; blocks?: unknown[] }[]>>;
}
