import type { Config } from './config.js';
import { DEFAULTS } from './defaults.js';
import { type Env, EnvReader } from './env-reader.js';
import { readAccess } from './sections/access.js';
import { readAlerts } from './sections/alerts.js';
import { readChanges } from './sections/changes.js';
import { readQStash } from './sections/qstash.js';
import { readMaxInFlight, readPort, readRuntime } from './sections/runtime.js';
import { readSlack } from './sections/slack.js';
import { readWatch } from './sections/watch.js';

export const DEFAULT_QSTASH_URL = DEFAULTS.QSTASH_URL;

export type ConfigResult =
  | { readonly kind: 'ok'; readonly config: Config }
  | { readonly kind: 'invalid'; readonly problems: string[] };

/**
 * Reads and checks every setting at once, section by section, so a person fixing `.env` sees all problems in
 * one go. Problems name variables and say what is expected; they never repeat a value (values may be secrets).
 * Defaults come from one table (`DEFAULTS`).
 */
export function loadConfig(variables: Env): ConfigResult {
  const env = new EnvReader(variables);
  const slack = readSlack(env);
  const port = readPort(env);
  const maxInFlight = readMaxInFlight(env);
  const qstash = readQStash(env);
  const access = readAccess(env);
  const changes = readChanges(env);
  const alerts = readAlerts(env);
  const watch = readWatch(
    env,
    qstash.environments.map((environment) => environment.name),
    alerts.defaultChannel,
  );
  const runtime = readRuntime(env);
  if (env.problems.length > 0) return { kind: 'invalid', problems: env.problems };
  return {
    kind: 'ok',
    config: { slack, port, maxInFlight, qstash, access, ...changes, alerts, watch, ...runtime },
  };
}

export function formatConfigProblems(problems: readonly string[]): string {
  return [
    'Flowbot cannot start. Fix these settings (in .env or the environment; see .env.example):',
    ...problems.map((problem) => `  - ${problem}`),
    'To try Flowbot locally without Slack or QStash accounts, run: npm run sandbox',
  ].join('\n');
}
