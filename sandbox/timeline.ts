import type { FakeSlack } from '../stand-ins/fake-slack.js';
import type { TimelineItem } from './web/protocol.js';
import { BOT } from './workspace.js';

type Content = Omit<TimelineItem, 'seq' | 'at' | 'version'>;

const SLACKBOT = 'USLACKBOT';

export class Timeline {
  private readonly seen = new Map<string, { seq: number; at: number; version: number; json: string }>();
  private readonly local: Content[] = [];
  private seq = 0;
  private localCount = 0;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly slack: FakeSlack,
    private readonly channel: string,
  ) {
    this.unsubscribe = slack.onChange((change) => {
      if (change.type !== 'response_posted') this.changed();
    });
  }

  /** Called after anything in the channel changed; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  addCommand(user: string, text: string): void {
    this.addLocal({ kind: 'command', author: user, visibleTo: user, text });
  }

  addChat(user: string, text: string): void {
    this.addLocal({ kind: 'chat', author: user, text });
  }

  addNotice(user: string, text: string): void {
    this.addLocal({ kind: 'notice', author: SLACKBOT, visibleTo: user, text });
  }

  private addLocal(content: Omit<Content, 'key'>): void {
    this.localCount += 1;
    this.local.push({ ...content, key: `local:${this.localCount}` });
    this.changed();
  }

  private changed(): void {
    // Numbering happens on every change, so an item's place is where it first appeared.
    this.items();
    for (const listener of this.listeners) listener();
  }

  items(): TimelineItem[] {
    const contents: Content[] = [];
    for (const message of this.slack.messages(this.channel)) {
      contents.push({
        key: `message:${message.ts}`,
        kind: 'message',
        author: message.user || BOT.id,
        ts: message.ts,
        ...(message.thread_ts && message.thread_ts !== message.ts ? { threadTs: message.thread_ts } : {}),
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(Array.isArray(message.blocks) ? { blocks: message.blocks } : {}),
        ...(message.edited ? { edited: true } : {}),
      });
    }
    for (const ephemeral of this.slack.ephemerals(this.channel)) {
      contents.push({
        key: `ephemeral:${ephemeral.message_ts}`,
        kind: 'ephemeral',
        author: BOT.id,
        visibleTo: ephemeral.user,
        ts: ephemeral.message_ts,
        ...(ephemeral.thread_ts ? { threadTs: ephemeral.thread_ts } : {}),
        ...(ephemeral.text !== undefined ? { text: ephemeral.text } : {}),
        ...(Array.isArray(ephemeral.blocks) ? { blocks: ephemeral.blocks } : {}),
      });
    }
    contents.push(...this.local);
    const items = contents.map((content) => {
      const json = JSON.stringify(content);
      let seen = this.seen.get(content.key);
      if (!seen) {
        this.seq += 1;
        seen = { seq: this.seq, at: Date.now(), version: 1, json };
        this.seen.set(content.key, seen);
      } else if (seen.json !== json) {
        seen.version += 1;
        seen.json = json;
      }
      return { ...content, seq: seen.seq, at: seen.at, version: seen.version };
    });
    return items.sort((a, b) => a.seq - b.seq);
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }
}
