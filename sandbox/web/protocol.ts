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
