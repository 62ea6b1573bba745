import { type ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnChild } from './children.js';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Shuts the server down and removes its directory; the server cannot be restarted afterwards. */
  stop(): Promise<void>;
  /** SIGKILL, as if the host died: clients see their connections drop. */
  kill(): void;
  /** Starts the server again on the same port (after kill, or while running), with an empty database. */
  restart(): Promise<void>;
}

/** An upper bound for a server that will never be ready; generous, so a busy machine is not mistaken for one. */
const READY_TIMEOUT_MS = 60_000;

export const REDIS_SERVER_ABSENT = 'redis-server is not installed: Redis tests skipped';

/** Whether `redis-server` can be run here; tests use it to skip with a clear message rather than fail. */
export function redisServerInstalled(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Starts a throwaway `redis-server` on a free port of 127.0.0.1, without persistence, in a temporary
 * directory. Resolves to undefined when `redis-server` is not installed.
 */
export async function startRedisServer(): Promise<RedisServer | undefined> {
  if (!redisServerInstalled()) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowbot-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(dir, port);
  let stopped = false;

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await exited;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      child?.kill('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('This Redis server was stopped for good');
      await halt('SIGKILL');
      child = await launch(dir, port);
    },
  };
}

function launch(dir: string, port: number): Promise<ChildProcess> {
  const child = spawnChild(
    `redis-server :${port}`,
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`redis-server on port ${port} was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`),
      );
    }, READY_TIMEOUT_MS);
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        // The pipes must keep draining, or the server would block once its log fills them.
        child.stdout?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

/** A port nothing listens on right now; the kernel picks it, so parallel test files do not collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
