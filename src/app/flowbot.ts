import { unwatchFile, watchFile } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { BYTES_PER_REQUEST } from '../config/sections/runtime.js';
import { watchWarnings } from '../core/alerts/watch-warnings.js';
import { Watcher, watcherSees } from '../core/alerts/watcher.js';
import { PinoAuditLog } from '../core/audit.js';
import { DEFAULT_BULK_PACING } from '../core/bulk/bulk-actions.js';
import { KeyCatalog } from '../core/catalog/key-catalog.js';
import { RecentChanges } from '../core/catalog/recent-changes.js';
import { InFlightBudget } from '../core/in-flight-budget.js';
import { StoreOnceGuard } from '../core/once-guard.js';
import { Approvals } from '../core/operations/approvals.js';
import { Confirmations } from '../core/operations/confirmations.js';
import { FlowOperations } from '../core/operations/flow-operations.js';
import { PolicyAccess, type ReloadResult } from '../core/policy/policy-access.js';
import type { PolicyWarning } from '../core/policy/policy-warnings.js';
import { QStashEnvironments } from '../core/qstash/environments.js';
import { QStashError } from '../core/qstash/errors.js';
import { MutationRateLimiter } from '../core/rate-limit.js';
import { Scheduler } from '../core/scheduler/scheduler.js';
import { TimedWork } from '../core/scheduler/timed-work.js';
import { Timers } from '../core/scheduler/timers.js';
import { MemoryStateStore } from '../core/store/memory-store.js';
import type { StateStore } from '../core/store/state-store.js';
import { WorkTracker } from '../core/work-tracker.js';
import { alertRoutes } from '../slack/alert-routes.js';
import { AlertDesk } from '../slack/alerts/alert-desk.js';
import { AlertQueue } from '../slack/alerts/alert-queue.js';
import { PacedSender } from '../slack/alerts/paced-sender.js';
import {
  configWarningLogText,
  missingGroupLogText,
  policyWarningLogText,
} from '../slack/blocks/pattern-warnings.js';
import { boltLogger } from '../slack/bolt-logger.js';
import { SlackBulkReporter } from '../slack/bulk-reporter.js';
import { createBoltApp, slackClientOptions } from '../slack/create-app.js';
import { FollowUps } from '../slack/follow-ups.js';
import type { FrontDoorThread } from '../slack/front-door/front-door-launch.js';
import { SlackGroupDirectory } from '../slack/group-directory.js';
import { HomePublisher, type HomePublisherOptions } from '../slack/home/home-publisher.js';
import { learnInstallation } from '../slack/installation.js';
import { registerListeners } from '../slack/listeners/index.js';
import { SlackNotifier } from '../slack/notifier.js';
import { SlackRampReporter } from '../slack/ramp-reporter.js';
import { ResponseUrls } from '../slack/response-urls.js';
import { healthRoute, readyRoute } from '../slack/routes.js';
import type { Services } from '../slack/services.js';
import { classifySlackError, isRejectedToken } from '../slack/slack-errors.js';
import { SlackTimedWorkReporter } from '../slack/timed-work-reporter.js';
import { BackgroundWork, replicaId } from './background.js';
import { followChanges } from './follow-changes.js';
import { countingAudit, FlowbotMetrics } from './metrics.js';
import { type OpenedStore, openStore, StartupProblems } from './open-store.js';
import { qstashStatus, ReadinessChecks } from './readiness.js';

export { StartupProblems };

export interface FlowbotOptions {
  readonly logger: Logger;
  /** Overrides for QStash call timing (tests make retries fast). */
  readonly qstash?: {
    attemptTimeoutMs?: number;
    totalTimeoutMs?: number;
    baseDelayMs?: number;
    maxAttempts?: number;
  };
  /** How often due work (timed resumes, reminders, approval expiry, ramp steps) is looked for. */
  readonly schedulerIntervalMs?: number;
  /** How often queued alerts nobody sends are looked for (default 2 s). */
  readonly alertSweepIntervalMs?: number;
  /** Another store than the one the config names (tests). */
  readonly store?: StateStore;
  /** How long the scheduler lease lasts without renewal. */
  readonly leaderLeaseMs?: number;
  /**
   * HTTP mode: receive and acknowledge Slack's requests in a thread of their own, so acknowledgements never
   * wait behind Flowbot's work (`npm start` does; tests mostly run everything on one thread).
   */
  readonly frontDoor?: boolean;
  /** A front door thread the entry point started early, loading while the app loads (with `frontDoor`). */
  readonly frontDoorThread?: FrontDoorThread;
  /** Home tab publishing: debounce, spacing, how long a viewer is kept up to date, rebuild interval. */
  readonly homes?: HomePublisherOptions;
  /** A Workflow Builder step ends with an error after this long, whatever QStash does (ms). */
  readonly workflowStepTimeoutMs?: number;
  /** The kept key list is read again in the background when older than this (ms). */
  readonly keyListMaxAgeMs?: number;
}

export interface RunningFlowbot {
  readonly mode: 'http' | 'socket';
  /** The port HTTP is served on (Slack events in HTTP mode, health and alert routes in both). */
  readonly port: number;
  readonly app: App;
  /** Whether this replica runs the scheduler, watcher and ramps right now. */
  readonly leading: boolean;
  /** Settles when the first readiness checks (QStash environments) have answered. */
  readonly checked: Promise<void>;
  /**
   * Settles when the latest check of the user groups the policy names (at startup, after each reload) has
   * logged what it found.
   */
  readonly groupsChecked: Promise<void>;
  /** Re-reads the policy file; a bad file keeps the current policy. */
  reloadPolicy(): ReloadResult;
  /** Stops taking requests, lets in-flight work finish (at most `graceMs`), then closes. */
  stop(graceMs?: number): Promise<void>;
}

/** The composition root: builds every part from the validated config and starts serving. */
export async function startFlowbot(config: Config, options: FlowbotOptions): Promise<RunningFlowbot> {
  const { logger } = options;
  const work = new WorkTracker((error) => logger.error({ err: error }, 'background work failed'));
  const metrics = new FlowbotMetrics(() => work.size);
  const environments = new QStashEnvironments(config.qstash.environments, {
    limit: config.qstash.limit,
    ...options.qstash,
    onAttempt: (report) => metrics.recordQStash(report),
  });
  metrics.watchQStash(environments);
  const audit = countingAudit(new PinoAuditLog(logger), metrics);
  const directory = new SlackGroupDirectory(
    lookupClient(config, logger),
    config.access.groupCacheTtlMs,
    undefined,
    undefined,
    {
      notFound: (group) =>
        logger.warn(
          { warning: 'user_group_not_found', group },
          `user group ${JSON.stringify(group)} does not exist (or is disabled): rules naming it apply to nobody through it`,
        ),
      unavailable: (group, detail) =>
        logger.warn({ group, detail }, 'could not read a user group’s members: Slack did not answer'),
    },
  );
  const created = PolicyAccess.create(
    {
      allowlist: config.access.allowedSubjects,
      file: config.access.policyFile,
      environments: environments.names,
    },
    directory,
  );
  if (created.kind === 'invalid') throw new StartupProblems(created.problems);
  const { access } = created;
  // Which workspace (and org) Flowbot serves: a token Slack rejects is a clean startup error here.
  const installation = await learnInstallation(
    new WebClient(config.slack.botToken, {
      ...slackClientOptions(config),
      ...STARTUP_CHECK,
      logger: boltLogger(logger),
    }),
  );
  const opened: OpenedStore = options.store
    ? { store: options.store, kind: 'embedded', health: () => 'ok' }
    : await openStore(config);
  const { store } = opened;

  let stopping = false;
  let alertQueue: AlertQueue | undefined;
  let readiness: ReadinessChecks | undefined;
  // Alerts share the bound on work in flight with the work of Slack's requests that the app is running.
  const alertIntake = new InFlightBudget(config.maxInFlight, () => work.requests);
  metrics.watchAlertIntake(() => alertIntake.inUse);
  const routes = [
    healthRoute(() => stopping),
    metrics.route(),
    readyRoute(
      () => readiness?.current() ?? { ready: false, checks: { flowbot: 'starting' } },
      () => stopping,
    ),
    ...alertRoutes(
      config.alerts,
      environments,
      () => {
        if (!alertQueue) throw new Error('alert desk not ready');
        return alertQueue;
      },
      logger,
      (reason, count) => metrics.recordDroppedAlerts(reason, count),
      {
        budget: alertIntake,
        bytesPerUnit: BYTES_PER_REQUEST,
        onRefused: () => metrics.recordOverload('', 'alert_intake'),
      },
    ),
  ];
  const bolt = createBoltApp(
    config,
    logger,
    routes,
    installation,
    options.frontDoor
      ? {
          frontDoor: {
            ...(options.frontDoorThread ? { thread: options.frontDoorThread } : {}),
            work,
            // Not one QStash environment's: the app as a whole had as much in flight as it may.
            onRefused: () => metrics.recordOverload('', 'in_flight'),
          },
        }
      : {},
  );
  const { app } = bolt;
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  // Counters only matter while they count: shared across replicas in Redis, in memory for a single replica
  // (where they would otherwise cost a disk write on every change). The same goes for what only the Home tab
  // shows (recent changes, who has it open): worth sharing between replicas, not a disk write per change.
  const counters = opened.kind === 'redis' ? store : new MemoryStateStore();
  const rateLimiter = config.rateLimit
    ? new MutationRateLimiter(counters, config.rateLimit.limit, config.rateLimit.windowMs)
    : undefined;
  const holderId = replicaId();
  const timers = new Timers(store, Date.now, holderId);
  const approvals = new Approvals(store);
  const notifier = new SlackNotifier(app.client, logger, (method, error) =>
    metrics.recordSlackError(method, error),
  );
  const naming = { environmentCount: environments.count };
  const responseUrls = new ResponseUrls(store);
  const followUps = new FollowUps(notifier, store, responseUrls, logger);
  const operations = new FlowOperations({
    environments,
    policy: access,
    audit,
    once: new StoreOnceGuard(store),
    store,
    approvals,
    confirmations: new Confirmations(store),
    rampReporter: new SlackRampReporter(notifier, followUps, naming),
    bulkReporter: new SlackBulkReporter(notifier, followUps, naming),
    bulkPacing: { ...DEFAULT_BULK_PACING, ...config.bulk },
    ...(rateLimiter ? { rateLimiter } : {}),
    holderId,
    onOverload: (environment, bound) => metrics.recordOverload(environment, bound),
    // Changes waiting on QStash hold memory whether or not they share a call: bounded in every mode (in HTTP
    // mode the front door's count of requests in flight, which includes them, is reached first).
    maxChangesInFlight: config.maxInFlight,
  });
  metrics.watchChanges(() => operations.changesInFlight());
  followChanges(operations, timers, config.pauseReminderMs, logger);
  // Alerts have a WebClient of their own: a storm's 429 pauses its queue only (the WebClient waits out
  // Retry-After before anything else goes), never the replies people are waiting for.
  const alertNotifier = new SlackNotifier(alertClient(config, logger), logger, (method, error) =>
    metrics.recordSlackError(method, error),
  );
  const alertDesk = new AlertDesk(
    store,
    operations,
    new PacedSender(alertNotifier),
    naming,
    logger,
    { staleAfterMs: config.alerts.staleAfterMs, keepResolvedMs: config.alerts.keepResolvedMs },
    // The watcher resolves only what it raised, in its own channel: the key's incidents elsewhere go stale.
    (id, channel) =>
      config.watch && channel === config.watch.channel ? watcherSees(store, id) : Promise.resolve(false),
    Date.now,
    config.alerts.rollup,
  );
  alertQueue = new AlertQueue(
    store,
    (signal) => alertDesk.receive(signal),
    logger,
    holderId,
    config.alerts.staleAfterMs,
    () => metrics.recordDroppedAlerts('refused', 1),
  );
  const queue = alertQueue;
  operations.onChange(async (outcome) => {
    if (outcome.kind !== 'done' || (outcome.action !== 'resume' && outcome.action !== 'pause')) return;
    // One change, one update: requests that shared another's QStash call are named in its message.
    if (outcome.joined !== undefined) return;
    await alertDesk
      .followChange(outcome.target, outcome.actorId, outcome.action, outcome.after)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not update the alert of a changed key'));
  });
  const { ramps } = operations;
  operations.onChange(async (outcome, request) => {
    // A hand on the key during a ramp stops the ramp; the ramp's own steps don't count.
    if (outcome.kind !== 'done' || request.source === 'ramp') return;
    if (!['pause', 'resume', 'pin', 'unpin'].includes(outcome.action)) return;
    await ramps
      .interrupted(outcome.target, outcome.actorId, outcome.action)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not stop the ramp of a changed key'));
  });
  const watcher = config.watch
    ? new Watcher(
        config.watch,
        environments,
        store,
        async (signal) => {
          const result = await alertDesk.receive(signal);
          // Thrown so that the watcher tries again next round instead of forgetting the alert.
          if (result.kind === 'failed')
            throw new Error(`Slack did not take the alert: ${result.explanation}`);
        },
        (error, environment) =>
          logger.warn(
            {
              err: error,
              environment,
              ...(error instanceof QStashError ? { qstash: qstashStatus(error) } : {}),
            },
            'watcher could not check QStash; trying again later',
          ),
      )
    : undefined;
  const catalog = new KeyCatalog(environments, access, {
    ...(options.keyListMaxAgeMs !== undefined ? { maxAgeMs: options.keyListMaxAgeMs } : {}),
  });
  const recent = new RecentChanges(counters);
  const homes = new HomePublisher(
    app.client,
    {
      catalog,
      policy: access,
      ramps,
      timers,
      approvals,
      recent,
      // The watcher's threshold for a long waitlist, if set (0 there means paused keys only).
      waitlistThreshold: config.watch
        ? config.watch.waitlistThreshold || Number.POSITIVE_INFINITY
        : DEFAULT_LONG_WAITLIST,
    },
    naming,
    counters,
    work,
    logger,
    options.homes,
    (method, error) => metrics.recordSlackError(method, error),
  );
  // Every change, whatever started it: the kept key list learns the key's new state, the Home tab's recent
  // changes get it, and whoever has their Home open sees it.
  operations.onChange(async (outcome, request) => {
    if (outcome.kind !== 'done') return;
    if (outcome.after) catalog.record(outcome.target, outcome.after);
    await recent
      .record(outcome, request.source)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not record a recent change'));
    homes.refreshViewers();
  });
  catalog.onUpdate(() => homes.refreshViewers());
  const services: Services = {
    operations,
    notifier,
    desk: alertDesk,
    followUps,
    responseUrls,
    environments,
    naming,
    installation,
    work,
    logger,
    surfaces: {
      catalog,
      homes,
      announceChannel: config.alerts.defaultChannel,
      workflowStepTimeoutMs: options.workflowStepTimeoutMs ?? WORKFLOW_STEP_TIMEOUT_MS,
    },
    onSlackError: (method, error) => metrics.recordSlackError(method, error),
  };
  registerListeners(app, services);
  const scheduler = new Scheduler(
    timers,
    approvals,
    new TimedWork(
      {
        run: (request, counted) => (counted ? operations.changeCounted(request) : operations.change(request)),
        peek: (target) => operations.peek(target),
      },
      new SlackTimedWorkReporter(notifier, followUps, naming),
      audit,
      config.pauseReminderMs,
    ),
    (error) => logger.error({ err: error }, 'scheduled work failed; it will be tried again'),
    options.schedulerIntervalMs,
    [
      () => ramps.advanceDue(),
      async () => void (await alertDesk.closeStale()),
      () => operations.bulk.resumeStalled(),
      () => operations.bulk.expireApprovals(),
    ],
  );
  const background = new BackgroundWork(store, scheduler, watcher, logger, holderId, options.leaderLeaseMs);

  const reloadPolicy = (): ReloadResult => {
    const result = access.reload();
    if (result.kind === 'reloaded') {
      logger.info({ rules: result.rules }, 'access policy reloaded');
      logPolicyWarnings(logger, access.warnings);
      checkPolicyGroups();
    } else
      logger.error(
        { problems: result.problems },
        'the new policy file is invalid; the previous policy stays in force',
      );
    return result;
  };
  let groupsChecked: Promise<void> = Promise.resolve();
  const checkPolicyGroups = (): void => {
    groupsChecked = work.run(async () => {
      const { missing, unchecked } = await access.checkGroups();
      for (const group of missing)
        logger.warn(
          {
            warning: 'user_group_not_found',
            group: group.group,
            rule: group.rule ? `rules[${group.rule.index}]` : 'FLOW_ALLOWED_USERS',
          },
          missingGroupLogText(group),
        );
      if (unchecked.length > 0)
        logger.warn(
          { groups: unchecked },
          'could not check whether the user groups the policy names exist: Slack did not answer',
        );
    }, 'background');
  };
  const policyFile = config.access.policyFile;
  if (policyFile) watchFile(policyFile, { interval: 1_000, persistent: false }, () => reloadPolicy());

  await app.init();
  const mode = config.slack.appToken ? 'socket' : 'http';
  const started = await app.start(config.port).catch((error: unknown) => {
    throw mode === 'socket' ? socketModeStartProblem(error) : error;
  });
  bolt.markListening(true);
  const port = (await bolt.startRoutes(config.port)) ?? serverPort(started) ?? config.port;
  readiness = new ReadinessChecks(environments, bolt.connection, () => opened.health());
  // Flowbot serves without QStash (what needs it says QStash can't be reached, and all of it works again once
  // QStash answers), so a QStash that doesn't answer at startup is a warning and a 503 from /readyz, not a
  // refusal to start.
  const checked = readiness.refreshAll().then(() => {
    for (const [check, status] of Object.entries(readiness?.current().checks ?? {})) {
      if (check.startsWith('qstash:') && status !== 'ok')
        logger.warn(
          { check, status },
          'QStash did not answer the startup check: /readyz answers 503 until it does',
        );
    }
  });
  background.start();
  homes.startRebuilding(() => background.leading);
  // Alerts left queued (a stopped process, another replica's, Slack's backoff) and roll-ups drawn behind.
  const alertSweeper = setInterval(() => {
    Promise.resolve()
      .then(async () => {
        await queue.sweep();
        if (background.leading) await alertDesk.redrawBehind();
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not look at the alert queue'));
  }, options.alertSweepIntervalMs ?? ALERT_SWEEP_INTERVAL_MS);
  alertSweeper.unref();
  void queue.sweep().catch(() => undefined);
  const sweeper = setInterval(() => {
    Promise.resolve()
      .then(() => store.sweepExpired())
      .catch((error: unknown) => logger.warn({ err: error }, 'could not sweep expired state'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  const { checkpoint } = opened;
  const checkpointer =
    checkpoint !== undefined
      ? setInterval(() => {
          try {
            checkpoint();
          } catch (error) {
            logger.warn({ err: error }, 'could not checkpoint the embedded store');
          }
        }, CHECKPOINT_INTERVAL_MS)
      : undefined;
  checkpointer?.unref();
  logger.info(
    {
      mode,
      port,
      environments: environments.names,
      policyRules: access.current.ruleCount,
      store: opened.kind,
    },
    `Flowbot is running in ${mode === 'socket' ? 'Socket Mode' : 'HTTP mode'} on port ${port}`,
  );
  if (access.current.ruleCount === 0) {
    logger.warn(
      'No one has access: FLOW_ALLOWED_USERS is empty and no policy file grants anything (deny by default).',
    );
  }
  for (const warning of watchWarnings(config.watch?.keys ?? []))
    logger.warn({ warning: warning.code, variable: warning.variable }, configWarningLogText(warning));
  logPolicyWarnings(logger, access.warnings);
  // Slack answered auth.test above, so the groups the policy names can be looked up now (in the background:
  // Slack's tier 2 limit makes many groups slow, and nothing waits on the answer).
  checkPolicyGroups();

  return {
    mode,
    port,
    app,
    get leading() {
      return background.leading;
    },
    checked,
    get groupsChecked() {
      return groupsChecked;
    },
    reloadPolicy,
    async stop(graceMs = 10_000) {
      if (stopping) return;
      stopping = true;
      if (policyFile) unwatchFile(policyFile);
      clearInterval(sweeper);
      clearInterval(alertSweeper);
      clearInterval(checkpointer);
      // Alerts still queued stay in the store for the next process (or another replica).
      await queue.stop();
      alertDesk.stop();
      homes.stop();
      // Bulk batches stop starting keys and let their leases go: a restart or another replica finishes them.
      await operations.bulk.stop();
      await background.stop();
      const finished = await work.drain(graceMs);
      if (!finished)
        logger.warn({ pending: work.size }, 'shutdown grace period ended with work still running');
      bolt.markListening(false);
      await app
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'error while stopping the Slack app'));
      // Socket Mode serves health, metrics and alerts on a server of its own: it closes with the rest.
      await bolt.stopRoutes();
      if (!options.store) await store.close();
      logger.info('Flowbot stopped');
    },
  };
}

/** One line per pattern that can never match: valid policy files can still silently do nothing. */
function logPolicyWarnings(logger: Logger, warnings: readonly PolicyWarning[]): void {
  for (const warning of warnings) {
    logger.warn(
      { warning: warning.code, rule: `${warning.rule.list}[${warning.rule.index}]` },
      policyWarningLogText(warning),
    );
  }
}

/**
 * The startup call to Slack (`auth.test`) gives up after about 20 s (three tries of at most 5 s each): a Web
 * API that takes connections but never answers ends in a clear "could not reach Slack" instead of a silent wait.
 */
const STARTUP_CHECK = {
  timeout: 5_000,
  retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
} as const;

/**
 * Socket Mode connects with the app-level token (`apps.connections.open`): Slack refusing it is a problem with
 * SLACK_APP_TOKEN, said so (the bot token has passed `auth.test` by then). Other errors are left as they are.
 */
function socketModeStartProblem(error: unknown): unknown {
  const slack = classifySlackError(error);
  if (slack.kind !== 'platform' || !isRejectedToken(slack)) return error;
  return new StartupProblems([
    `Slack rejected SLACK_APP_TOKEN (${slack.error}): use the app-level token (xapp-…) from your Slack app’s Basic Information page → App-Level Tokens, with the connections:write scope.`,
  ]);
}

const SWEEP_INTERVAL_MS = 5 * 60_000;
/** How often every replica looks for queued alerts nobody is sending (a stopped process's, after a backoff). */
const ALERT_SWEEP_INTERVAL_MS = 2_000;
/** Without the watcher's setting, a delivering key with this many waiting messages shows on the Home tab. */
const DEFAULT_LONG_WAITLIST = 1_000;
/**
 * A workflow step's answer is bounded by Flowbot, not by QStash: a change is up to three QStash calls (read,
 * change, read), each retried within its own bound, so the step says "no answer in time" after this long.
 */
const WORKFLOW_STEP_TIMEOUT_MS = 30_000;
const CHECKPOINT_INTERVAL_MS = 30_000;

/**
 * Membership lookups decide whether someone may act right now, so they fail fast (one retry, no waiting out
 * rate limits) and the person is told, instead of waiting behind the reply client's longer retries.
 */
function lookupClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 500 },
    rejectRateLimitedCalls: true,
    timeout: 3_000,
  });
}

/**
 * The WebClient alerts go through: it waits out every 429 (Retry-After) and tries again, up to ten times with
 * backoff (about five minutes in all); what still fails stays queued in the store (`AlertQueue`).
 */
function alertClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
    retryConfig: { retries: 10, factor: 1.6, minTimeout: 500, maxTimeout: 30_000, randomize: true },
  });
}

function serverPort(started: unknown): number | undefined {
  if (
    started &&
    typeof started === 'object' &&
    'address' in started &&
    typeof started.address === 'function'
  ) {
    const address = (started.address as () => AddressInfo | string | null)();
    if (address && typeof address === 'object') return address.port;
  }
  return undefined;
}
