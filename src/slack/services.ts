import type { Logger } from 'pino';
import type { KeyCatalog } from '../core/catalog/key-catalog.js';
import type { EnvironmentNames } from '../core/commands/flow-command.js';
import type { FlowOperations } from '../core/operations/flow-operations.js';
import type { WorkTracker } from '../core/work-tracker.js';
import type { AlertDesk } from './alerts/alert-desk.js';
import type { KeyNaming } from './blocks/outcome.js';
import type { FollowUps } from './follow-ups.js';
import type { HomePublisher } from './home/home-publisher.js';
import type { Installation } from './installation.js';
import type { SlackNotifier } from './notifier.js';
import type { ResponseUrls } from './response-urls.js';

/**
 * What the listeners are built with, once, in the composition root. Not called `context`: Bolt's per-request
 * `context` has that name. Policy, audit and approvals are not here: they are core's, behind `operations`.
 */
export interface Services {
  readonly operations: FlowOperations;
  readonly notifier: SlackNotifier;
  readonly desk: AlertDesk;
  /** Posts made later for a person, and whether Flowbot can post in a channel on its own. */
  readonly followUps: FollowUps;
  /** Each request's response_url, kept for posts made later for it (and its posts counted). */
  readonly responseUrls: ResponseUrls;
  readonly environments: EnvironmentNames;
  readonly naming: KeyNaming;
  /** The workspace and org Flowbot is installed in: people of others are marked as such for the policy. */
  readonly installation: Installation;
  /** Work that outlives the ack, waited for on shutdown. */
  readonly work: WorkTracker;
  readonly logger: Logger;
  readonly surfaces: Surfaces;
  /** Counts failed Slack calls (metrics). */
  readonly onSlackError?: (method: string, error: string) => void;
}

/** The Home tab, modals, the key picker and Workflow Builder steps need these beyond commands and buttons. */
export interface Surfaces {
  /** Every environment's keys, kept so the picker and the Home tab never wait for QStash (filtered by core). */
  readonly catalog: KeyCatalog;
  readonly homes: HomePublisher;
  /** Where changes made from the Home tab are announced (`ALERTS_CHANNEL`), if set. */
  readonly announceChannel: string | undefined;
  /** A Workflow Builder step ends with an error after this long, whatever QStash does (ms). */
  readonly workflowStepTimeoutMs: number;
}
