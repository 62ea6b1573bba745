import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCommand } from './built.js';
import { spawnChild } from './children.js';

/**
 * How long a process may take to say it is ready. Ready takes about a second on an idle machine; this bound is
 * for a process that will never be ready, and is generous so that a busy machine is never mistaken for one.
 */
export const READY_TIMEOUT_MS = 300_000;

/**
 * Starts the built Flowbot in a fresh empty folder (so no .env is read) with exactly `env` (plus PATH), and
 * removes the folder once it has exited. The process is recorded as it is spawned; see children.ts.
 */
export function spawnBuiltFlowbot(label: string, env: Record<string, string>): ChildProcess {
  const cwd = mkdtempSync(join(tmpdir(), `flowbot-${label}-`));
  const [command, ...args] = startCommand();
  const child = spawnChild(label, command!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('close', () => rmSync(cwd, { recursive: true, force: true }));
  return child;
}

/** A real Flowbot process (what `npm start` runs), for tests that kill and restart replicas. */
export interface FlowbotProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  readonly lines: Record<string, any>[];
  /** Everything written to stdout and stderr so far, as written. */
  output(): string;
  readonly exited: Promise<number | null>;
  waitForLog(
    predicate: (line: Record<string, any>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, any>>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts Flowbot and resolves once it logs that it is running. If it exits first, or is not ready within
 * READY_TIMEOUT_MS, it is killed (and waited for) before the promise rejects with what it printed.
 */
export async function spawnFlowbot(name: string, env: Record<string, string>): Promise<FlowbotProcess> {
  const child = spawnBuiltFlowbot(name, { PORT: '0', LOG_LEVEL: 'debug', FLOW_DATA_DIR: 'data', ...env });
  const lines: Record<string, any>[] = [];
  const waiters = new Set<{
    predicate: (line: Record<string, any>) => boolean;
    resolve: (line: Record<string, any>) => void;
  }>();
  let buffer = '';
  let stderr = '';
  let raw = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      let line: Record<string, any>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };

  const waitForLog = (predicate: (line: Record<string, any>) => boolean, timeoutMs = 30_000) => {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: Record<string, any>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        if (!waiters.delete(waiter)) return;
        reject(
          new Error(
            `${name}: no such log line within ${timeoutMs} ms; last lines:\n${lines
              .slice(-8)
              .map((l) => l.msg)
              .join('\n')}\n${stderr}`,
          ),
        );
      }, timeoutMs);
    });
  };

  let ready: Record<string, any>;
  try {
    ready = await Promise.race([
      waitForLog((line) => String(line.msg).startsWith('Flowbot is running'), READY_TIMEOUT_MS),
      exited.then((code) => {
        throw new Error(
          `${name} exited with ${code} before it was ready:\n${stderr}\n${lines.map((l) => l.msg).join('\n')}`,
        );
      }),
    ]);
  } catch (error) {
    kill('SIGKILL');
    await exited;
    throw error;
  }
  const port = Number(ready.port);
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    lines,
    output: () => raw,
    exited,
    waitForLog,
    kill,
  };
}
