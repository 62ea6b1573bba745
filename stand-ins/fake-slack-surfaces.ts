import { randomBytes } from 'node:crypto';
import type { SlackRefusal, ViewMethod } from './block-kit.js';
import type { Clock } from './clock.js';
import { TRIGGER_TTL_MS, type ViewSurface } from './slack-views.js';

/**
 * The fake Slack's views (modals, Home tabs) and Workflow Builder function executions, kept apart from the
 * message side. As strict as Slack: a modal needs a fresh trigger_id (3 s, single use), views are checked
 * against Block Kit's view rules, an update must name a view that exists (and match its hash when one is
 * given), and a function execution is completed exactly once, by its own token, with outputs that fit its
 * declared output parameters.
 */

export interface SlackView {
  id: string;
  type: ViewSurface;
  /** The person the view belongs to (a modal's opener, a Home tab's owner). */
  user: string;
  hash: string;
  callback_id?: string;
  private_metadata?: string;
  external_id?: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  root_view_id: string;
  previous_view_id: string | null;
  /** Closed modals stay readable for assertions. */
  closed: boolean;
  /** The view object as last sent (opened, updated or published). */
  view: Record<string, unknown>;
}

/** A Workflow Builder function parameter as Slack describes it in `function_executed`. */
export interface FunctionParameter {
  name: string;
  type: string;
  title?: string;
  description?: string;
  is_required?: boolean;
}

export interface FunctionExecution {
  functionExecutionId: string;
  callbackId: string;
  botAccessToken: string;
  outputParameters: FunctionParameter[];
  status: 'running' | 'completed' | 'failed';
  outputs?: Record<string, unknown>;
  error?: string;
  /** How many completion calls arrived (a second one is refused, but counted). */
  completions: number;
}

export type SurfaceChange =
  | { type: 'view_opened' | 'view_updated' | 'view_published' | 'view_closed'; view: SlackView }
  | { type: 'function_completed'; execution: FunctionExecution };

interface Trigger {
  user: string | undefined;
  expires: number;
  used: boolean;
}

type Params = Record<string, unknown>;
type Answer = Record<string, unknown>;

const TEAM_ID = 'T0001';
const APP_ID = 'A123456';
const BOT_ID = 'BBOT';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export class FakeSurfaces {
  private readonly triggers = new Map<string, Trigger>();
  private readonly views = new Map<string, SlackView>();
  private readonly homes = new Map<string, string>();
  private readonly executions = new Map<string, FunctionExecution>();
  private counter = 0;

  /**
   * `validate` answers Slack's refusal of a view (Block Kit's rules), or undefined when Slack takes it;
   * trigger_ids and hashes go by `clock`.
   */
  constructor(
    private readonly emit: (change: SurfaceChange) => void,
    private readonly clock: Clock,
    private readonly validate: (method: ViewMethod, view: unknown) => SlackRefusal | undefined,
    private readonly triggerTtlMs: number = TRIGGER_TTL_MS,
  ) {}

  /** A trigger_id as Slack puts in a command, click or shortcut; valid for 3 seconds, once. */
  triggerId(user?: string): string {
    this.counter += 1;
    const now = this.clock.now();
    const id = `${Math.floor(now / 1000)}.${this.counter}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { user, expires: now + this.triggerTtlMs, used: false });
    return id;
  }

  /** Starts a function execution as Workflow Builder would, with its own short-lived bot token. */
  startFunctionExecution(callbackId: string, outputParameters: FunctionParameter[]): FunctionExecution {
    this.counter += 1;
    const execution: FunctionExecution = {
      functionExecutionId: `Fx${String(this.counter).padStart(10, '0')}`,
      callbackId,
      botAccessToken: `xwfp-${randomBytes(12).toString('hex')}`,
      outputParameters,
      status: 'running',
      completions: 0,
    };
    this.executions.set(execution.functionExecutionId, execution);
    return { ...execution };
  }

  functionExecution(id: string): FunctionExecution | undefined {
    const execution = this.executions.get(id);
    return execution ? { ...execution } : undefined;
  }

  /** Tokens Slack issued for function executions; they authenticate like the bot token. */
  isFunctionToken(token: string): boolean {
    for (const execution of this.executions.values()) if (execution.botAccessToken === token) return true;
    return false;
  }

  view(id: string): SlackView | undefined {
    const view = this.views.get(id);
    return view ? copy(view) : undefined;
  }

  homeView(user: string): SlackView | undefined {
    const id = this.homes.get(user);
    return id === undefined ? undefined : this.view(id);
  }

  /** Every modal opened, in order (updates applied), closed ones too. */
  modals(): SlackView[] {
    return [...this.views.values()].filter((view) => view.type === 'modal').map(copy);
  }

  openModals(user?: string): SlackView[] {
    return [...this.views.values()]
      .filter((view) => view.type === 'modal' && !view.closed && (user === undefined || view.user === user))
      .map(copy);
  }

  /** The person closed the modal, or Flowbot's acknowledgement of a submission closed it. */
  closeView(id: string): void {
    const view = this.views.get(id);
    if (!view || view.closed) return;
    view.closed = true;
    this.emit({ type: 'view_closed', view: copy(view) });
  }

  /** Handles the surface methods; undefined for any other method. */
  dispatch(method: string, params: Params, token: string): Answer | undefined {
    switch (method) {
      case 'views.open':
      case 'views.push':
        return this.open(method, params);
      case 'views.update':
        return this.update(params);
      case 'views.publish':
        return this.publish(params);
      case 'functions.completeSuccess':
        return this.complete(params, token, 'completed');
      case 'functions.completeError':
        return this.complete(params, token, 'failed');
      default:
        return undefined;
    }
  }

  private open(method: 'views.open' | 'views.push', params: Params): Answer {
    const triggerId = str(params.trigger_id);
    if (triggerId === undefined) return { ok: false, error: 'invalid_arguments' };
    const trigger = this.triggers.get(triggerId);
    if (trigger === undefined) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (trigger.expires < this.clock.now()) return { ok: false, error: 'expired_trigger_id' };
    const problem = this.check(method, params.view);
    if (problem) return problem;
    trigger.used = true;
    this.counter += 1;
    const id = `V${String(this.counter).padStart(10, '0')}`;
    const view = this.store(id, 'modal', trigger.user ?? 'UNKNOWN', params.view as Params, null, id);
    this.emit({ type: 'view_opened', view: copy(view) });
    return { ok: true, view: wire(view) };
  }

  private update(params: Params): Answer {
    const viewId = str(params.view_id);
    const externalId = str(params.external_id);
    const existing =
      viewId !== undefined
        ? this.views.get(viewId)
        : [...this.views.values()].find(
            (view) => externalId !== undefined && view.external_id === externalId,
          );
    if (viewId === undefined && externalId === undefined) return { ok: false, error: 'invalid_arguments' };
    if (existing === undefined || existing.closed) return { ok: false, error: 'not_found' };
    const hash = str(params.hash);
    if (hash !== undefined && hash !== existing.hash) return { ok: false, error: 'hash_conflict' };
    const problem = this.check('views.update', params.view);
    if (problem) return problem;
    const view = this.store(
      existing.id,
      existing.type,
      existing.user,
      params.view as Params,
      existing.previous_view_id,
      existing.root_view_id,
    );
    this.emit({ type: 'view_updated', view: copy(view) });
    return { ok: true, view: wire(view) };
  }

  private publish(params: Params): Answer {
    const user = str(params.user_id);
    if (user === undefined) return { ok: false, error: 'invalid_arguments' };
    if (!/^[UW][A-Z0-9]+$/.test(user)) return { ok: false, error: 'user_not_found' };
    const problem = this.check('views.publish', params.view);
    if (problem) return problem;
    const existingId = this.homes.get(user);
    const existing = existingId === undefined ? undefined : this.views.get(existingId);
    const hash = str(params.hash);
    if (hash !== undefined && existing !== undefined && hash !== existing.hash)
      return { ok: false, error: 'hash_conflict' };
    this.counter += 1;
    const id = existing?.id ?? `V${String(this.counter).padStart(10, '0')}`;
    const view = this.store(id, 'home', user, params.view as Params, null, id);
    this.homes.set(user, id);
    this.emit({ type: 'view_published', view: copy(view) });
    return { ok: true, view: wire(view) };
  }

  private complete(params: Params, token: string, status: 'completed' | 'failed'): Answer {
    const id = str(params.function_execution_id);
    if (id === undefined) return { ok: false, error: 'invalid_arguments' };
    const execution = this.executions.get(id);
    if (execution === undefined || execution.botAccessToken !== token)
      return { ok: false, error: 'function_execution_not_found' };
    execution.completions += 1;
    if (execution.status !== 'running') return { ok: false, error: 'execution_not_in_running_state' };
    if (status === 'failed') {
      const error = str(params.error);
      if (error === undefined) return { ok: false, error: 'invalid_arguments' };
      execution.status = 'failed';
      execution.error = error;
    } else {
      const outputs = params.outputs;
      if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs))
        return { ok: false, error: 'invalid_arguments' };
      const problems = checkOutputs(outputs as Record<string, unknown>, execution.outputParameters);
      if (problems.length > 0)
        return {
          ok: false,
          error: 'parameter_validation_failed',
          errors: problems.map((message) => ({ message })),
        };
      execution.status = 'completed';
      execution.outputs = { ...(outputs as Record<string, unknown>) };
    }
    this.emit({ type: 'function_completed', execution: { ...execution } });
    return { ok: true };
  }

  /** Slack's answer to a view it refuses (views.* put the details in `response_metadata.messages`). */
  private check(method: ViewMethod, view: unknown): Answer | undefined {
    const refusal = this.validate(method, view);
    if (refusal !== undefined)
      return {
        ok: false,
        error: refusal.error,
        response_metadata: { messages: refusal.details.map((detail) => `[ERROR] ${detail}`) },
      };
    if (view === null || typeof view !== 'object' || Array.isArray(view))
      return { ok: false, error: 'invalid_arguments' };
    return undefined;
  }

  private store(
    id: string,
    type: ViewSurface,
    user: string,
    spec: Params,
    previous: string | null,
    root: string,
  ): SlackView {
    this.counter += 1;
    const view: SlackView = {
      id,
      type,
      user,
      hash: `${this.clock.now()}.${randomBytes(6).toString('hex')}`,
      blocks: Array.isArray(spec.blocks) ? spec.blocks : [],
      view: structuredClone(spec),
      root_view_id: root,
      previous_view_id: previous,
      closed: false,
    };
    for (const field of ['callback_id', 'private_metadata', 'external_id'] as const) {
      if (typeof spec[field] === 'string') view[field] = spec[field] as string;
    }
    for (const field of ['title', 'submit', 'close'] as const) {
      if (spec[field] !== undefined) view[field] = spec[field];
    }
    this.views.set(id, view);
    return view;
  }
}

function copy(view: SlackView): SlackView {
  return { ...view, blocks: structuredClone(view.blocks), view: structuredClone(view.view) };
}

/** A view as the Web API returns it. */
function wire(view: SlackView): Record<string, unknown> {
  const { user: _user, closed: _closed, view: _sent, ...rest } = view;
  return {
    ...rest,
    team_id: TEAM_ID,
    app_id: APP_ID,
    bot_id: BOT_ID,
    app_installed_team_id: TEAM_ID,
    state: { values: {} },
    clear_on_close: false,
    notify_on_close: false,
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    external_id: view.external_id ?? '',
  };
}

const TYPE_CHECKS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  integer: (value) => typeof value === 'number' && Number.isInteger(value),
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  boolean: (value) => typeof value === 'boolean',
  'slack#/types/timestamp': (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0,
  'slack#/types/user_id': (value) => typeof value === 'string' && /^[UW][A-Z0-9]{2,}$/.test(value),
  'slack#/types/channel_id': (value) => typeof value === 'string' && /^[CGD][A-Z0-9]{2,}$/.test(value),
};

/** Outputs against the declared output parameters: every required one present, each of its declared type. */
export function checkOutputs(outputs: Record<string, unknown>, parameters: FunctionParameter[]): string[] {
  const problems: string[] = [];
  for (const parameter of parameters) {
    const value = outputs[parameter.name];
    if (value === undefined || value === null) {
      if (parameter.is_required) problems.push(`missing required output "${parameter.name}"`);
      continue;
    }
    const check = TYPE_CHECKS[parameter.type];
    if (check && !check(value)) problems.push(`output "${parameter.name}" must be of type ${parameter.type}`);
  }
  for (const name of Object.keys(outputs)) {
    if (!parameters.some((parameter) => parameter.name === name))
      problems.push(`output "${name}" is not a declared output parameter`);
  }
  return problems;
}
