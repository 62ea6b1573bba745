import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'src/index.ts');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** A real Flowbot process (the same entrypoint as `npm start`), for tests that kill and restart replicas. */
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

export async function spawnFlowbot(name: string, env: Record<string, string>): Promise<FlowbotProcess> {
  const cwd = mkdtempSync(join(tmpdir(), `flowbot-${name}-`));
  const child: ChildProcess = spawn(process.execPath, ['--import', tsxLoader, entry], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      LOG_LEVEL: 'debug',
      FLOW_DATA_DIR: join(cwd, 'data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

  const waitForLog = (predicate: (line: Record<string, any>) => boolean, timeoutMs = 15_000) => {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const waiter = { predicate, resolve };
      waiters.add(waiter);
      setTimeout(() => {
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

  const ready = await Promise.race([
    waitForLog((line) => String(line.msg).startsWith('Flowbot is running'), 20_000),
    exited.then((code) => {
      throw new Error(
        `${name} exited with ${code} before it was ready:\n${stderr}\n${lines.map((l) => l.msg).join('\n')}`,
      );
    }),
  ]);
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
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
    },
  };
}
