/** Messages between the benchmark driver and the stand-ins process (QStash emulator and fake Slack). */

export interface StandInsConfig {
  readonly latencyMs: number;
  /** Members of each user group, answered by usergroups.users.list. */
  readonly keys: readonly string[];
  readonly groups: Readonly<Record<string, readonly string[]>>;
}

export interface StandInsReady {
  readonly type: 'ready';
  readonly qstashUrl: string;
  readonly qstashToken: string;
  readonly slackUrl: string;
  readonly slackApiUrl: string;
  readonly botToken: string;
}

/**
 * One response_url post: response id, epoch ms at arrival, HTTP status answered, whether it is an outcome (not
 * a progress note), whether it went to the channel (a resume is announced there; refusals and failures are
 * private), and the start of its text.
 */
export type ReplyRecord = readonly [
  id: string,
  time: number,
  status: number,
  final: boolean,
  inChannel: boolean,
  text: string,
];

export interface RepliesBatch {
  readonly type: 'replies';
  readonly replies: readonly ReplyRecord[];
}

export interface QStashStats {
  readonly type: 'qstash-stats';
  readonly requests: number;
  readonly byRoute: Readonly<Record<string, number>>;
  /** Raw paths that are not flow-control routes (should stay empty). */
  readonly unexpectedPaths: readonly string[];
  /** Slack Web API calls by method (group lookups show up here). */
  readonly slackCalls: Readonly<Record<string, number>>;
}

export type StandInsMessage = StandInsReady | RepliesBatch | QStashStats;

export type DriverMessage =
  | { readonly type: 'init'; readonly config: StandInsConfig }
  | { readonly type: 'stats' }
  | { readonly type: 'close' };
