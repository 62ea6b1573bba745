import type { KnownBlock, MessageAttachment } from '@slack/types';

/** A message as Flowbot sends it: blocks for people, text for notifications and screen readers. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
  /** Legacy attachments: only another system's, kept when Flowbot redraws its message. */
  readonly attachments?: MessageAttachment[];
}
