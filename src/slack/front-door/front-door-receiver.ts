import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { App, CustomRoute, Receiver } from '@slack/bolt';
import type { Level, Logger } from 'pino';
import { createRouteServer } from '../route-server.js';
import { FrontDoorThread } from './front-door-launch.js';
import { OverloadNotes } from './overload-notes.js';
import type {
  AppMessage,
  FrontDoorMessage,
  FrontDoorOpening,
  FrontDoorThreadSettings,
  RefusedKind,
} from './protocol.js';

/** The app's work after acknowledgements, as the front door's bound counts it (the app's WorkTracker). */
export interface AppWork {
  /** Requests' work running now (background work, such as redrawing Home tabs, not counted). */
  readonly requests: number;
  /** Requests' work ended since the start (cumulative). */
  readonly completed: number;
  /** Calls `watcher` whenever work starts or ends. */
  watch(watcher: () => void): void;
}

export type FrontDoorOptions = FrontDoorThreadSettings & {
  readonly routes: readonly CustomRoute[];
  readonly logger: Logger;
  /** How long a front door that died is given before it is started again. */
  readonly restartDelayMs?: number;
  /**
   * A thread already started with these settings (the entry point starts it while the app loads); taken over
   * for the first opening. One started with other settings is ended and a new one started.
   */
  readonly thread?: FrontDoorThread;
  /** Counted against `maxInFlight` with the requests handed over. */
  readonly work: AppWork;
  /** A request the front door refused past `maxInFlight` (for the metrics). */
  readonly onRefused?: (what: RefusedKind) => void;
};

const CLOSE_TIMEOUT_MS = 5_000;

/** Writes a line the front door logged through the app's logger (one stream, one set of redactions). */
function relayLog(logger: Logger, line: string): void {
  try {
    const {
      level,
      time: _time,
      msg,
      service: _service,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    const label = typeof level === 'number' ? logger.levels.labels[level] : undefined;
    const write = label && label in logger ? logger[label as Level].bind(logger) : logger.info.bind(logger);
    write(fields, typeof msg === 'string' ? msg : '');
  } catch {
    logger.warn({ thread: 'front-door' }, 'the front door wrote a log line that is not JSON');
  }
}

/**
 * A Bolt receiver whose HTTP side runs in another thread (the front door): Slack's requests are received,
 * checked and acknowledged there, and arrive here already acknowledged, so the listeners' own `ack` does
 * nothing. The app's routes are served on a loopback port that the front door passes their requests to.
 */
export class FrontDoorReceiver implements Receiver {
  private app: App | undefined;
  private thread: Worker | undefined;
  private routeServer: Server | undefined;
  private boundPort: number | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private earlyTaken = false;
  private readonly notes: OverloadNotes;
  /** Requests the current thread handed over whose listeners have returned. */
  private finished = 0;
  private reportDue = false;

  constructor(private readonly options: FrontDoorOptions) {
    options.work.watch(() => this.reportLoad());
    this.notes = new OverloadNotes(options.logger);
  }

  /**
   * Tells the front door how far the app is (see Backlog), once per turn of the event loop however much
   * changed in it: thousands of requests may end in one turn under load.
   */
  private reportLoad(): void {
    if (this.reportDue) return;
    this.reportDue = true;
    setImmediate(() => {
      this.reportDue = false;
      const thread = this.thread;
      if (!thread) return;
      const { work } = this.options;
      try {
        thread.postMessage({
          kind: 'load',
          finished: this.finished,
          // Requests' work only: a Home tab redrawn meanwhile is not the backlog draining.
          working: work.requests,
          completed: work.completed,
        } satisfies AppMessage);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not tell the front door how far the app is');
      }
    });
  }

  /** Whether the front door is taking requests right now. */
  get listening(): boolean {
    return this.thread !== undefined && this.boundPort !== undefined;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** The thread taking requests right now, if any (for diagnostics). */
  get worker(): Worker | undefined {
    return this.thread;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(port: number): Promise<number> {
    const routeServer = createRouteServer(this.options.routes, this.options.logger);
    this.routeServer = routeServer;
    const routePort = await new Promise<number>((resolve, reject) => {
      routeServer.once('error', reject);
      routeServer.listen(0, '127.0.0.1', () => resolve((routeServer.address() as AddressInfo).port));
    });
    this.boundPort = await this.open(port, routePort);
    return this.boundPort;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const thread = this.thread;
    if (thread) {
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage({ kind: 'close' } satisfies AppMessage);
      const timer = setTimeout(() => void thread.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    this.thread = undefined;
    const routeServer = this.routeServer;
    if (routeServer?.listening) {
      await new Promise<void>((resolve) => {
        routeServer.close(() => resolve());
        routeServer.closeAllConnections();
      });
    }
  }

  private open(port: number, routePort: number): Promise<number> {
    const {
      logger,
      routes,
      restartDelayMs: _,
      thread: early,
      work: _work,
      onRefused,
      ...settings
    } = this.options;
    const opening: FrontDoorOpening = {
      port,
      routePort,
      routes: routes.map((route) => ({ path: route.path, methods: [route.method].flat() })),
    };
    const started = this.takeEarlyThread(early, settings) ?? new FrontDoorThread(settings);
    const thread = started.worker;
    return new Promise<number>((resolve, reject) => {
      let opened = false;
      thread.on('message', (message: FrontDoorMessage) => {
        switch (message.kind) {
          case 'listening':
            opened = true;
            this.thread = thread;
            // A new thread counts from nothing; the work still running is counted in what it is told.
            this.finished = 0;
            this.reportLoad();
            resolve(message.port);
            return;
          case 'failed':
            reject(Object.assign(new Error(message.message), { code: message.code }));
            return;
          case 'request':
            this.dispatch(message, thread);
            return;
          case 'log':
            relayLog(logger, message.line);
            return;
          case 'refused':
            onRefused?.(message.what);
            if (message.responseUrl !== undefined)
              this.notes.tell(message.responseUrl, message.retryAfterMs ?? 0);
            return;
        }
      });
      thread.on('error', (error) => {
        logger.error({ err: error }, 'the front door thread failed');
        if (!opened) reject(error);
      });
      thread.on('exit', (code) => {
        if (!opened) {
          reject(started.failure ?? new Error(`the front door thread exited while starting (code ${code})`));
          return;
        }
        if (this.thread === thread) this.thread = undefined;
        if (this.stopping) return;
        // Requests already handed over are unaffected; new ones are taken again as soon as it is back.
        logger.error({ code }, 'the front door thread stopped unexpectedly; starting it again');
        this.scheduleReopen(this.boundPort ?? port, routePort);
      });
      // A thread started early may have failed before anyone listened.
      const failure = started.failure;
      if (failure) {
        reject(failure);
        return;
      }
      thread.postMessage({ kind: 'open', ...opening } satisfies AppMessage);
    });
  }

  /** The thread the entry point started early, once, if it was started with the same settings and is alive. */
  private takeEarlyThread(
    early: FrontDoorThread | undefined,
    settings: FrontDoorThreadSettings,
  ): FrontDoorThread | undefined {
    if (!early || this.earlyTaken) return undefined;
    this.earlyTaken = true;
    if (early.startedWith(settings)) return early;
    this.options.logger.warn('the front door thread started early has other settings; starting another');
    void early.worker.terminate();
    return undefined;
  }

  private scheduleReopen(port: number, routePort: number): void {
    this.restartTimer = setTimeout(() => this.reopen(port, routePort), this.options.restartDelayMs ?? 1_000);
  }

  private reopen(port: number, routePort: number): void {
    if (this.stopping) return;
    this.open(port, routePort).then(
      (bound) => {
        this.boundPort = bound;
        this.options.logger.info({ port: bound }, 'the front door is taking requests again');
      },
      (error: unknown) => {
        this.options.logger.error({ err: error }, 'the front door could not start again; retrying');
        this.scheduleReopen(port, routePort);
      },
    );
  }

  private dispatch(message: Extract<FrontDoorMessage, { kind: 'request' }>, thread: Worker): void {
    const app = this.app;
    if (!app) return;
    const { answerId } = message;
    let answered = false;
    // The front door waits for this request's acknowledgement body (an options list): the listener's ack sends it.
    const answer = (response: unknown) => {
      if (answerId === undefined || answered) return;
      answered = true;
      try {
        thread.postMessage({ kind: 'answer', id: answerId, response } satisfies AppMessage);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not hand an answer to the front door');
      }
    };
    app
      .processEvent({
        body: message.body,
        // Otherwise already acknowledged by the front door, with the same answer the listener decides on.
        ack: async (response) => answer(response),
        ...(message.retryNum !== undefined ? { retryNum: message.retryNum } : {}),
        ...(message.retryReason !== undefined ? { retryReason: message.retryReason } : {}),
      })
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'a Slack request failed'))
      // No listener answered: the front door needn't wait out its bound.
      .finally(() => {
        // No listener answered: the front door needn't wait out its bound.
        answer(undefined);
        // Its listener is done; the work it started, if any, is counted as work.
        if (this.thread === thread) {
          this.finished += 1;
          this.reportLoad();
        }
      });
  }
}
