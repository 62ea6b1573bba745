import type { KnownBlock } from '@slack/types';

/** A message as Flowbot sends it: blocks for people, text for notifications and screen readers. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}
