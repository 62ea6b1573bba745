import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Config } from '../../config/config.js';
import type { FrontDoorThreadSettings } from './protocol.js';

/**
 * The front door thread's settings from the config: the same whether the thread is started early by the
 * entry point or by the receiver itself.
 */
export function frontDoorThreadSettings(config: Config): FrontDoorThreadSettings {
  const names = config.qstash.environments.map((environment) => environment.name);
  return {
    signingSecret: config.slack.signingSecret ?? '',
    // Plain names only: the settings are copied into the thread, the environments' clients are not.
    environments: { names, defaultName: names[0] ?? 'default' },
    logLevel: config.logLevel,
    maxInFlight: config.maxInFlight,
  };
}

/**
 * A front door thread, started and loading its code but not listening yet: `npm start` starts it first thing,
 * so that it loads while the app thread loads (a second core's worth of startup), and the app's
 * FrontDoorReceiver takes it over and opens it once the app can take requests. Started from the TypeScript
 * sources (development, tests), the thread is loaded through tsx's require hook, which (unlike module loader
 * hooks on Node 20) also works inside a worker thread.
 */
export class FrontDoorThread {
  readonly worker: Worker;
  private ended: Error | undefined;

  constructor(readonly settings: FrontDoorThreadSettings) {
    // Preloads given to the process (`--import` of an agent or a probe) are for the app, not the front door.
    const options = { workerData: settings, execArgv: [] };
    if (!import.meta.url.endsWith('.ts')) {
      this.worker = new Worker(new URL('./front-door-thread.js', import.meta.url), options);
    } else {
      const entry = fileURLToPath(new URL('./front-door-thread.ts', import.meta.url));
      const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
      const code = `require(${JSON.stringify(tsx)}).require(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
      this.worker = new Worker(code, { ...options, eval: true });
    }
    // Until the receiver listens, a thread that fails is remembered (an unheard 'error' would end the process).
    this.worker.on('error', (error) => {
      this.ended ??= error;
    });
    this.worker.once('exit', (code) => {
      this.ended ??= new Error(`the front door thread exited while starting (code ${code})`);
    });
  }

  /** Why this thread can't be opened: it failed or ended before it was. */
  get failure(): Error | undefined {
    return this.ended;
  }

  /** Whether it was started with exactly these settings (one started early for another config is not used). */
  startedWith(settings: FrontDoorThreadSettings): boolean {
    return isDeepStrictEqual(this.settings, settings);
  }
}
