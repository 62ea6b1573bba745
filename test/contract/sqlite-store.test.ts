import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_FILE, SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import { StoreUnavailable } from '../../src/core/store/state-store.js';
import { builtModuleUrl } from '../support/built.js';
import { spawnChild } from '../support/children.js';
import { describeStateStoreContract } from './state-store.contract.js';

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flowbot-sqlite-'));
}

describeStateStoreContract('SqliteStateStore', async (clock) => {
  const dir = makeTempDir();
  let store = SqliteStateStore.open(dir, { now: clock.now });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = SqliteStateStore.open(dir, { now: clock.now });
      return store;
    },
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStateStore', () => {
  const dirs: string[] = [];
  const stores: SqliteStateStore[] = [];

  function tempDir(): string {
    const dir = makeTempDir();
    dirs.push(dir);
    return dir;
  }

  function open(...args: Parameters<typeof SqliteStateStore.open>): SqliteStateStore {
    const store = SqliteStateStore.open(...args);
    stores.push(store);
    return store;
  }

  function countRows(file: string): number {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare<[], number>('SELECT count(*) FROM entries').pluck().get()!;
    } finally {
      db.close();
    }
  }

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a private data directory and a WAL-mode flowbot.sqlite in it', async () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const store = open(dir);
    await store.set('ns', 'id', 'v');

    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(store.file).toBe(path.join(dir, DEFAULT_SQLITE_FILE));
    expect(fs.existsSync(path.join(dir, 'flowbot.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'flowbot.sqlite-wal'))).toBe(true);
    const probe = new Database(store.file, { readonly: true });
    try {
      expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      probe.close();
    }
  });

  it('uses the file name it is given', async () => {
    const dir = tempDir();
    const store = open(dir, { fileName: 'other.db' });
    await store.set('ns', 'id', 'v');
    expect(store.file).toBe(path.join(dir, 'other.db'));
    expect(fs.existsSync(path.join(dir, 'flowbot.sqlite'))).toBe(false);
  });

  it('names the directory and FLOW_DATA_DIR when the directory cannot be created', () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const dir = path.join(file, 'sub');
    expect(() => open(dir)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^Flowbot cannot write its data directory .* \(FLOW_DATA_DIR\): ENOTDIR/,
        ),
      }),
    );
    expect(() => open(dir)).toThrow(dir);
  });

  it.skipIf(process.getuid?.() === 0)('names the directory and FLOW_DATA_DIR when it is read-only', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o500);
    try {
      expect(() => open(dir)).toThrow(
        `Flowbot cannot write its data directory ${dir} (FLOW_DATA_DIR): EACCES`,
      );
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  });

  it('sweeps expired rows on demand and when opened', async () => {
    let now = 1_000;
    const clock = () => now;
    const dir = tempDir();
    const store = open(dir, { now: clock });
    await store.set('ns', 'a', 1, { ttlMs: 10 });
    await store.set('ns', 'b', 2, { ttlMs: 10 });
    await store.set('ns', 'c', 3, { ttlMs: 100 });
    await store.set('ns', 'd', 4);
    now += 10;
    expect(await store.get('ns', 'a')).toBeUndefined();
    expect(countRows(store.file)).toBe(4);
    expect(store.sweepExpired()).toBe(2);
    expect(countRows(store.file)).toBe(2);

    await store.close();
    now += 90;
    const reopened = open(dir, { now: clock });
    expect(countRows(reopened.file)).toBe(1);
    expect(await reopened.list('ns')).toEqual([{ id: 'd', value: 4 }]);
  });

  it('shares entries and one version sequence between two stores on the same file', async () => {
    const dir = tempDir();
    const first = open(dir);
    const second = open(dir);
    await first.set('ns', 'x', 'from first');
    const entry = await second.getEntry('ns', 'x');
    expect(entry?.value).toBe('from first');
    expect(await second.compareAndSet('ns', 'x', entry?.version, 'from second')).toBe(true);
    expect(await first.compareAndSet('ns', 'x', entry?.version, 'too late')).toBe(false);
    await first.set('ns', 'y', 1);
    const x = (await first.getEntry('ns', 'x'))!.version;
    const y = (await second.getEntry('ns', 'y'))!.version;
    expect(y).toBeGreaterThan(x);
    expect(await first.take('ns', 'x')).toBe('from second');
    expect(await second.take('ns', 'x')).toBeUndefined();
  });

  it('refuses ids it could not store faithfully, bad TTLs and non-number counters', async () => {
    const store = open(tempDir());
    await expect(store.set('ns', 'lone \ud800', 1)).rejects.toThrow(TypeError);
    await expect(store.get('ns\udc00', 'id')).rejects.toThrow(TypeError);
    await expect(store.set('ns', 'id', 1, { ttlMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(store.set('ns', 'id', 1, { ttlMs: -1 })).rejects.toThrow(RangeError);
    await expect(store.increment('ns', 'id', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    await store.set('ns', 'text', 'not a number');
    await expect(store.increment('ns', 'text', 1_000)).rejects.toThrow(/non-number/);
    expect(await store.get('ns', 'text')).toBe('not a number');
    expect(await store.list('ns')).toEqual([{ id: 'text', value: 'not a number' }]);
  });

  it('explains a refused value', async () => {
    const store = open(tempDir());
    await expect(store.set('ns', 'id', undefined)).rejects.toThrow(
      'Cannot store a value in "ns": undefined values are not JSON data',
    );
    await expect(store.set('ns', 'id', { n: 1n })).rejects.toThrow(/^Cannot store a value in "ns": .*BigInt/);
  });

  it('reports StoreUnavailable once closed', async () => {
    const store = open(tempDir());
    await store.close();
    await expect(store.get('ns', 'id')).rejects.toThrow(StoreUnavailable);
    await expect(store.set('ns', 'id', 1)).rejects.toThrow(StoreUnavailable);
    expect(() => store.sweepExpired()).toThrow(StoreUnavailable);
  });

  it('keeps every acknowledged write when the process is killed mid-stream', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'writer.mjs');
    fs.writeFileSync(
      script,
      `import { SqliteStateStore } from ${JSON.stringify(builtModuleUrl('src/core/store/sqlite-store.ts'))};
const store = SqliteStateStore.open(process.argv[2]);
for (let i = 0; ; i++) {
  await store.set('crash', 'entry-' + i, { i, payload: 'x'.repeat(200) });
  await store.increment('crash', 'counter', 3_600_000);
  // A pipe write is synchronous on Linux: the parent only sees acknowledgements of completed writes.
  process.stdout.write('ack ' + i + '\\n');
}
`,
    );
    const data = path.join(dir, 'data');
    const lastAck = await new Promise<number>((resolve, reject) => {
      const child = spawnChild('sqlite writer', process.execPath, [script, data], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let killed = false;
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (!killed && ackCount(stdout) >= 40) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
        else resolve(ackCount(stdout) - 1);
      });
    });

    expect(lastAck).toBeGreaterThanOrEqual(39);
    const store = open(data);
    const entries = await store.list<{ i: number }>('crash');
    const found = new Set(entries.map((entry) => entry.id));
    for (let i = 0; i <= lastAck; i++) expect(found.has(`entry-${i}`), `entry-${i}`).toBe(true);
    expect(await store.get<number>('crash', 'counter')).toBeGreaterThanOrEqual(lastAck + 1);
  });
});

/** Complete acknowledgement lines only: a line cut off by the kill was not acknowledged. */
function ackCount(stdout: string): number {
  return stdout.split('\n').filter((line) => /^ack \d+$/.test(line)).length;
}
