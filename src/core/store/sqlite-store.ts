import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encodeValue } from './json-value.js';
import { type StateStore, type StoredEntry, StoreUnavailable, type WriteOptions } from './state-store.js';

export interface SqliteStoreOptions {
  /** Clock for expiry, in epoch milliseconds. */
  readonly now?: () => number;
  /** Database file inside the data directory; `flowbot.sqlite` when absent. */
  readonly fileName?: string;
}

export const DEFAULT_SQLITE_FILE = 'flowbot.sqlite';

const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (namespace, id)
  );
  CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
  -- The version counter lives apart from the entries: deriving it from max(version) would hand out a
  -- deleted entry's version again, and a compare-and-set holding that old version would wrongly succeed.
  CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO counters (name, value) SELECT 'version', coalesce(max(version), 0) FROM entries;
`;

interface EntryRow {
  json: string;
  version: number;
  expires_at: number | null;
}

interface TakenRow {
  json: string;
  expires_at: number | null;
}

interface ListedRow {
  id: string;
  json: string;
}

/**
 * In one SQLite file in the data directory: survives restarts and crashes of a single replica. Each
 * operation is one transaction, so several processes on the same host may share the file. WAL with
 * synchronous=NORMAL: a committed write survives the process crashing or being killed (it is in the WAL,
 * handed to the OS); only a power loss can take the last commits. FULL would fsync on every click and stall
 * the event loop that acknowledges Slack.
 */
export class SqliteStateStore implements StateStore {
  /** The database file, for diagnostics. */
  readonly file: string;

  private readonly selectLive: Database.Statement<[string, string, number], EntryRow>;
  private readonly upsert: Database.Statement<[string, string, string, number, number | null]>;
  private readonly nextVersion: Database.Statement<[], number>;
  private readonly deleteReturning: Database.Statement<[string, string], TakenRow>;
  private readonly deleteOne: Database.Statement<[string, string]>;
  private readonly selectNamespace: Database.Statement<[string, number], ListedRow>;
  private readonly deleteExpired: Database.Statement<[number]>;

  private readonly writeTx: (namespace: string, id: string, json: string, expiresAt: number | null) => void;
  private readonly compareAndSetTx: (
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    json: string,
    expiresAt: number | null,
  ) => boolean;
  private readonly incrementTx: (namespace: string, id: string, ttlMs: number) => number;

  /**
   * Opens (creating when needed) the database in `dataDir`. Throws an Error naming the directory and
   * FLOW_DATA_DIR when the directory cannot be created or written.
   */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStateStore {
    const dir = path.resolve(dataDir);
    const file = path.join(dir, options.fileName ?? DEFAULT_SQLITE_FILE);
    let db: Database.Database | undefined;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // SQLite would open an unwritable file read-only and only fail at the first write, far from startup.
      fs.accessSync(dir, fs.constants.W_OK);
      const opened = new Database(file);
      db = opened;
      opened.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      opened.pragma('journal_mode = WAL');
      // FULL syncs the WAL on every commit: a write that was acknowledged survives a crash or power cut.
      opened.pragma('synchronous = NORMAL');
      // Checkpoints sync the disk; left to SQLite they land in the middle of request handling every thousand
      // pages. They run on a timer instead (checkpoint()), away from the acknowledgement path.
      opened.pragma('wal_autocheckpoint = 0');
      opened.transaction(() => opened.exec(SCHEMA)).immediate();
    } catch (error) {
      db?.close();
      throw new Error(
        `Flowbot cannot write its data directory ${dir} (FLOW_DATA_DIR): ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
    const store = new SqliteStateStore(db, file, options.now ?? Date.now);
    store.sweepExpired();
    return store;
  }

  private constructor(
    private readonly db: Database.Database,
    file: string,
    private readonly now: () => number,
  ) {
    this.file = file;
    this.selectLive = db.prepare(
      `SELECT json, version, expires_at FROM entries
       WHERE namespace = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.upsert = db.prepare(
      `INSERT INTO entries (namespace, id, json, version, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (namespace, id) DO UPDATE
       SET json = excluded.json, version = excluded.version, expires_at = excluded.expires_at`,
    );
    this.nextVersion = db
      .prepare<[], number>(`UPDATE counters SET value = value + 1 WHERE name = 'version' RETURNING value`)
      .pluck();
    this.deleteReturning = db.prepare(
      'DELETE FROM entries WHERE namespace = ? AND id = ? RETURNING json, expires_at',
    );
    this.deleteOne = db.prepare('DELETE FROM entries WHERE namespace = ? AND id = ?');
    this.selectNamespace = db.prepare(
      `SELECT id, json FROM entries
       WHERE namespace = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY id`,
    );
    this.deleteExpired = db.prepare('DELETE FROM entries WHERE expires_at <= ?');

    const write = (namespace: string, id: string, json: string, expiresAt: number | null): void => {
      const version = this.nextVersion.get();
      if (version === undefined) throw new StoreUnavailable(`${this.file} has lost its version counter`);
      this.upsert.run(namespace, id, json, version, expiresAt);
    };
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes can fail
    // with SQLITE_BUSY when another process wrote in between, and busy_timeout does not retry that case.
    this.writeTx = db.transaction(write).immediate;
    this.compareAndSetTx = db.transaction(
      (
        namespace: string,
        id: string,
        expectedVersion: number | undefined,
        json: string,
        expiresAt: number | null,
      ): boolean => {
        const current = this.selectLive.get(namespace, id, this.now());
        if (current?.version !== expectedVersion) return false;
        write(namespace, id, json, expiresAt);
        return true;
      },
    ).immediate;
    this.incrementTx = db.transaction((namespace: string, id: string, ttlMs: number): number => {
      const now = this.now();
      const current = this.selectLive.get(namespace, id, now);
      if (!current) {
        write(namespace, id, '1', now + ttlMs);
        return 1;
      }
      const count: unknown = JSON.parse(current.json);
      if (typeof count !== 'number') {
        throw new TypeError(`Cannot increment ${JSON.stringify(namespace)} entry: it holds a non-number`);
      }
      // Keeps the expiry the counter was created with, so a steady trickle cannot keep a window open forever.
      write(namespace, id, JSON.stringify(count + 1), current.expires_at);
      return count + 1;
    }).immediate;
  }

  async get<T>(namespace: string, id: string): Promise<T | undefined> {
    return (await this.getEntry<T>(namespace, id))?.value;
  }

  async getEntry<T>(namespace: string, id: string): Promise<StoredEntry<T> | undefined> {
    checkKey(namespace, id);
    return this.guard(() => {
      const row = this.selectLive.get(namespace, id, this.now());
      return row ? { value: JSON.parse(row.json) as T, version: row.version } : undefined;
    });
  }

  async set<T>(namespace: string, id: string, value: T, options: WriteOptions = {}): Promise<void> {
    checkKey(namespace, id);
    const json = encodeValue(namespace, value);
    this.guard(() => this.writeTx(namespace, id, json, this.expiryFor(options)));
  }

  async compareAndSet<T>(
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    value: T,
    options: WriteOptions = {},
  ): Promise<boolean> {
    checkKey(namespace, id);
    const json = encodeValue(namespace, value);
    return this.guard(() =>
      this.compareAndSetTx(namespace, id, expectedVersion, json, this.expiryFor(options)),
    );
  }

  async take<T>(namespace: string, id: string): Promise<T | undefined> {
    checkKey(namespace, id);
    return this.guard(() => {
      // One statement, so atomic without a transaction; an expired row found here is removed all the same.
      const row = this.deleteReturning.get(namespace, id);
      if (!row || (row.expires_at !== null && row.expires_at <= this.now())) return undefined;
      return JSON.parse(row.json) as T;
    });
  }

  async delete(namespace: string, id: string): Promise<void> {
    checkKey(namespace, id);
    this.guard(() => this.deleteOne.run(namespace, id));
  }

  async list<T>(namespace: string): Promise<{ id: string; value: T }[]> {
    checkText('namespace', namespace);
    return this.guard(() =>
      this.selectNamespace
        .all(namespace, this.now())
        .map((row) => ({ id: row.id, value: JSON.parse(row.json) as T })),
    );
  }

  async increment(namespace: string, id: string, ttlMs: number): Promise<number> {
    checkKey(namespace, id);
    checkTtl(ttlMs);
    return this.guard(() => this.incrementTx(namespace, id, ttlMs));
  }

  /**
   * Deletes every expired entry and returns how many. Reads already ignore expired entries; this only
   * reclaims their space, so calling it now and then (it also runs on open) is enough.
   */
  sweepExpired(): number {
    return this.guard(() => this.deleteExpired.run(this.now()).changes);
  }

  /** Moves the WAL into the database file; call now and then (and it runs on close). */
  checkpoint(): void {
    if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.pragma('wal_checkpoint(TRUNCATE)');
    if (this.db.open) this.db.close();
  }

  private expiryFor(options: WriteOptions): number | null {
    if (options.ttlMs === undefined) return null;
    checkTtl(options.ttlMs);
    return this.now() + options.ttlMs;
  }

  private guard<R>(work: () => R): R {
    if (!this.db.open) throw new StoreUnavailable(`The state store ${this.file} is closed`);
    try {
      return work();
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new StoreUnavailable(`The state store ${this.file} failed: ${describeError(error)}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new RangeError(
      `A state store TTL must be a finite, non-negative number of milliseconds, not ${ttlMs}`,
    );
  }
}

function checkKey(namespace: string, id: string): void {
  checkText('namespace', namespace);
  checkText('id', id);
}

/**
 * SQLite stores text as UTF-8, which cannot hold a lone surrogate: two different ids would silently become
 * the same row.
 */
function checkText(what: string, text: string): void {
  if (/\p{Cs}/u.test(text)) throw new TypeError(`A state store ${what} must be well-formed Unicode text`);
}

function describeError(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
