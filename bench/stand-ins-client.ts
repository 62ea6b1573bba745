import { type ChildProcess, fork } from 'node:child_process';
import type {
  DriverMessage,
  QStashStats,
  StandInsConfig,
  StandInsMessage,
  StandInsReady,
} from './protocol.js';
import { cpuSeconds } from './target-process.js';

export interface ReplySeen {
  /** Epoch ms of the first post that was an outcome rather than a progress note. */
  finalAt: number | undefined;
  /** Whether that outcome was announced in the channel, and how it began (to tell a resume from a refusal). */
  finalInChannel: boolean;
  finalText: string;
  posts: number;
  rejectedPosts: number;
}

/** The driver's side of the stand-ins process: its addresses, and every reply post as it arrives. */
export interface StandIns {
  readonly ready: StandInsReady;
  readonly replies: Map<string, ReplySeen>;
  /** CPU the stand-ins used so far: on a small machine they compete with the target for cores. */
  cpuSeconds(): number | undefined;
  stats(timeoutMs?: number): Promise<QStashStats>;
  close(): Promise<void>;
}

export async function startStandIns(
  entry: string,
  execArgv: string[],
  config: StandInsConfig,
  timeoutMs = 30_000,
): Promise<StandIns> {
  const child: ChildProcess = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = new Map<string, ReplySeen>();
  let statsWaiter: ((stats: QStashStats) => void) | undefined;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });

  const ready = await new Promise<StandInsReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stand-ins did not start in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the stand-ins process exited with ${code}`));
    });
    child.on('message', (message: StandInsMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'replies') {
        for (const [id, time, status, final, inChannel, text] of message.replies) {
          const seen = replies.get(id) ?? {
            finalAt: undefined,
            finalInChannel: false,
            finalText: '',
            posts: 0,
            rejectedPosts: 0,
          };
          seen.posts += 1;
          if (status >= 300) seen.rejectedPosts += 1;
          else if (final && seen.finalAt === undefined) {
            seen.finalAt = time;
            seen.finalInChannel = inChannel;
            seen.finalText = text;
          }
          replies.set(id, seen);
        }
      } else if (message.type === 'qstash-stats') {
        statsWaiter?.(message);
        statsWaiter = undefined;
      }
    });
    const init: DriverMessage = { type: 'init', config };
    child.send(init);
  });

  return {
    ready,
    replies,
    cpuSeconds: () => (child.pid === undefined ? undefined : cpuSeconds(child.pid)),
    stats(statsTimeoutMs = 10_000) {
      return new Promise<QStashStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the stand-ins sent no stats')), statsTimeoutMs);
        statsWaiter = (stats) => {
          clearTimeout(timer);
          resolve(stats);
        };
        const request: DriverMessage = { type: 'stats' };
        child.send(request);
      });
    },
    async close() {
      if (exited) return;
      const request: DriverMessage = { type: 'close' };
      child.send(request);
      await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
