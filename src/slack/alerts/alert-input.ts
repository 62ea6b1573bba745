import { z } from 'zod';
import type { AlertSignal, Severity } from '../../core/alerts/alert-signal.js';
import { channelIdProblem } from '../../core/channel-id.js';
import { type KeyRef, parseKeyRef } from '../../core/keys.js';
import { describeKeyProblemPlain } from '../blocks/input-problems.js';

export const MAX_ALERT_BODY_BYTES = 64 * 1024;
export const MAX_ALERTMANAGER_BODY_BYTES = 1024 * 1024;

const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');
const severity = z.enum(['critical', 'warning', 'info']);

const alertBody = z
  .object({
    key: z.string().min(1, 'is required').max(1000),
    environment: z.string().max(64).optional(),
    // Checked after the shape, so the answer can quote the value (see channelIdProblem).
    channel: z.string().optional(),
    status: z.enum(['firing', 'resolved']).default('firing'),
    title: z.string().max(500).optional(),
    text: z.string().max(5000).optional(),
    severity: severity.optional(),
    links: z
      .array(z.object({ text: z.string().min(1).max(100), url: httpUrl }).strict())
      .max(5)
      .optional(),
  })
  .strict();

export interface Environments {
  readonly names: readonly string[];
  readonly defaultName: string;
}

export type SignalParse =
  | {
      readonly kind: 'ok';
      readonly signals: AlertSignal[];
      readonly skipped: string[];
      /** Alerts the sender left out of the request (Alertmanager's `truncatedAlerts`). */
      readonly truncated?: number;
    }
  /** 400: the body is wrong; 403: the body is fine but names a channel senders may not post into. */
  | { readonly kind: 'invalid'; readonly problem: string; readonly status: 400 | 403 };

/** Where alert senders may post: the default channel and the operator's list (`ALERTS_ALLOWED_CHANNELS`). */
export interface ChannelRules {
  readonly defaultChannel: string | undefined;
  /** Undefined → any channel but DMs. */
  readonly allowedChannels: readonly string[] | undefined;
}

/**
 * Why senders may not post into `channel`, or undefined when they may. Whoever holds `ALERTS_TOKEN` chooses
 * the channel, so the operator's list decides; a DM (`D…`) is refused unless the list names it, since an alert
 * there reaches one person's private conversation and nobody on call sees it.
 */
export function channelRefusal(channel: string, rules: ChannelRules): string | undefined {
  if (rules.allowedChannels !== undefined) {
    return rules.allowedChannels.includes(channel)
      ? undefined
      : `channel: ${channel.slice(0, 32)} is not one alerts may be posted into (ALERTS_ALLOWED_CHANNELS)`;
  }
  if (channel.startsWith('D'))
    return `channel: ${channel.slice(0, 32)} is a direct message; alerts go to channels (or list it in ALERTS_ALLOWED_CHANNELS)`;
  return undefined;
}

/** `POST /alerts`: one alert in Flowbot's own JSON shape. */
export function parseAlertBody(body: unknown, environments: Environments, rules: ChannelRules): SignalParse {
  const parsed = alertBody.safeParse(body, { reportInput: true });
  if (!parsed.success) return { kind: 'invalid', problem: describe(parsed.error), status: 400 };
  const input = parsed.data;
  const target = resolveTarget(input.key, input.environment, environments);
  if (typeof target === 'string') return { kind: 'invalid', problem: target, status: 400 };
  const problem = input.channel === undefined ? undefined : channelIdProblem('channel:', input.channel);
  if (problem) return { kind: 'invalid', problem, status: 400 };
  const channel = input.channel ?? rules.defaultChannel;
  if (!channel)
    return {
      kind: 'invalid',
      problem: 'channel: is required (no ALERTS_CHANNEL default is configured)',
      status: 400,
    };
  const refusal = channelRefusal(channel, rules);
  if (refusal) return { kind: 'invalid', problem: refusal, status: 403 };
  return {
    kind: 'ok',
    skipped: [],
    signals: [
      {
        target,
        channel,
        status: input.status,
        source: 'api',
        ...(input.title ? { title: input.title } : {}),
        ...(input.text ? { text: input.text } : {}),
        ...(input.severity ? { severity: input.severity } : {}),
        ...(input.links ? { links: input.links } : {}),
      },
    ],
  };
}

export interface AlertmanagerLabels {
  readonly key: string;
  readonly environment: string;
  readonly channel: string;
}

const labelMap = z.record(z.string(), z.string());
const alertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap.default({}),
  annotations: labelMap.default({}),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});
type AlertmanagerAlert = z.infer<typeof alertmanagerAlert>;
/**
 * Alertmanager's webhook (notify/webhook): `version`, `groupKey`, `truncatedAlerts` (alerts Alertmanager left
 * out because of the receiver's `max_alerts`), `status`, `receiver`, `groupLabels`, `commonLabels`,
 * `commonAnnotations`, `externalURL`, `alerts`. Each alert is checked on its own: one odd alert is skipped,
 * the rest of the group still acts. The body size limit bounds how many there can be.
 */
const alertmanagerBody = z.object({
  version: z.string().optional(),
  status: z.string().optional(),
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  alerts: z.array(z.unknown()),
});

/** The most urgent first. */
const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info'];
/** Alerts listed by name in one key's message; the rest are counted. */
const LISTED_ALERTS = 10;

/** One keyed alert of a notification, checked. */
interface KeyedAlert {
  readonly name: string;
  readonly target: KeyRef;
  readonly channel: string;
  readonly alert: AlertmanagerAlert;
}

/**
 * `POST /alerts/alertmanager`: Prometheus Alertmanager's webhook payload (version 4) as it is sent. One
 * notification groups many alerts, firing and resolved mixed: they are combined per key and channel (one
 * signal each), and a key's incident in a channel is open while any of its alerts there fires (its message
 * lists them). Alerts without a usable key label, channel (a `slack_channel` label that isn't a channel ID is
 * skipped, never sent to the default channel) or shape are skipped and listed, never a reason to refuse the others. `truncated` is Alertmanager's own
 * `truncatedAlerts`: alerts of the group it did not send.
 */
export function parseAlertmanagerBody(
  body: unknown,
  environments: Environments,
  rules: ChannelRules,
  labels: AlertmanagerLabels,
): SignalParse {
  const parsed = alertmanagerBody.safeParse(body, { reportInput: true });
  if (!parsed.success) return { kind: 'invalid', problem: describe(parsed.error), status: 400 };
  if (parsed.data.version !== undefined && parsed.data.version !== '4') {
    return {
      kind: 'invalid',
      problem: `version: Flowbot reads Alertmanager webhook version 4, not ${parsed.data.version.slice(0, 10)}`,
      status: 400,
    };
  }
  const skipped: string[] = [];
  const byKey = new Map<string, KeyedAlert[]>();
  parsed.data.alerts.forEach((raw, index) => {
    const checked = alertmanagerAlert.safeParse(raw);
    if (!checked.success) {
      skipped.push(`alerts[${index}]: ${describe(checked.error)}`.slice(0, 300));
      return;
    }
    const alert = checked.data;
    const name = (label(alert.labels, 'alertname') ?? `alerts[${index}]`).slice(0, 80);
    const key = label(alert.labels, labels.key);
    if (!key) {
      skipped.push(`${name}: no ${labels.key} label`);
      return;
    }
    const target = resolveTarget(key, label(alert.labels, labels.environment), environments);
    if (typeof target === 'string') {
      skipped.push(`${name}: ${target}`);
      return;
    }
    // A label naming a channel that can't be one is skipped, not sent to the default channel: the sender
    // asked for a specific channel, and the alert reaching another one would look handled when it isn't.
    const named = label(alert.labels, labels.channel);
    const problem = named === undefined ? undefined : channelIdProblem(labels.channel, named);
    if (problem) {
      skipped.push(`${name}: ${problem}`);
      return;
    }
    const channel = named ?? rules.defaultChannel;
    if (!channel) {
      skipped.push(`${name}: no ${labels.channel} label and no ALERTS_CHANNEL default`);
      return;
    }
    const refusal = channelRefusal(channel, rules);
    if (refusal) {
      skipped.push(`${name}: ${refusal}`);
      return;
    }
    // Per key and channel: alerts of one key whose labels name different channels each reach theirs.
    const id = `${channel}|${target.environment}:${target.key}`;
    byKey.set(id, [...(byKey.get(id) ?? []), { name, target, channel, alert }]);
  });
  return {
    kind: 'ok',
    signals: [...byKey.values()].map(combine),
    skipped,
    ...(parsed.data.truncatedAlerts ? { truncated: parsed.data.truncatedAlerts } : {}),
  };
}

/**
 * The alerts of one key for one channel in one notification as one signal: firing while any of them fires
 * (its title and text from the firing ones, listed when there are several), resolved when all are.
 */
function combine(alerts: readonly KeyedAlert[]): AlertSignal {
  const firing = alerts.filter((entry) => entry.alert.status === 'firing');
  const shown = firing.length > 0 ? firing : alerts;
  const first = shown[0] as KeyedAlert;
  const summary = (entry: KeyedAlert) => label(entry.alert.annotations, 'summary') ?? entry.name;
  const levels = shown
    .map((entry) => severity.safeParse(label(entry.alert.labels, 'severity')))
    .filter((level) => level.success)
    .map((level) => level.data as Severity);
  const level = SEVERITY_ORDER.find((candidate) => levels.includes(candidate));
  const links = [
    ...new Set(
      shown
        .map((entry) => entry.alert.generatorURL)
        .filter((url): url is string => url !== undefined && httpUrl.safeParse(url).success),
    ),
  ].slice(0, 5);
  let title: string;
  let text: string | undefined;
  if (shown.length === 1) {
    title = summary(first);
    text = label(first.alert.annotations, 'description');
  } else {
    title = `${shown.length} alerts ${firing.length > 0 ? 'firing' : 'resolved'}`;
    const lines = shown.slice(0, LISTED_ALERTS).map((entry) => {
      const description = label(entry.alert.annotations, 'description');
      return `• ${summary(entry)}${description ? `: ${description}` : ''}`.slice(0, 400);
    });
    if (shown.length > LISTED_ALERTS) lines.push(`…and ${shown.length - LISTED_ALERTS} more`);
    text = lines.join('\n');
  }
  return {
    target: first.target,
    channel: first.channel,
    status: firing.length > 0 ? 'firing' : 'resolved',
    source: 'alertmanager',
    title: title.slice(0, 500),
    ...(text ? { text: text.slice(0, 5000) } : {}),
    ...(level ? { severity: level } : {}),
    ...(links.length > 0
      ? {
          links: links.map((url, index) => ({
            text: links.length > 1 ? `Source ${index + 1}` : 'Source',
            url,
          })),
        }
      : {}),
  };
}

/**
 * One label or annotation. Own properties only: label names come from the config and the sender, and a
 * name such as `constructor` must find that label or nothing, never something every object inherits.
 */
function label(map: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

function resolveTarget(
  key: string,
  environment: string | undefined,
  environments: Environments,
): KeyRef | string {
  if (environment !== undefined) {
    if (!environments.names.includes(environment)) {
      return `environment: "${environment.slice(0, 32)}" is not a configured QStash environment`;
    }
    const parsed = parseKeyRef(key, [environment], environment);
    return parsed.kind === 'ok' ? parsed.ref : `key: ${describeKeyProblemPlain(parsed.problem)}`;
  }
  const parsed = parseKeyRef(key, environments.names, environments.defaultName);
  return parsed.kind === 'ok' ? parsed.ref : `key: ${describeKeyProblemPlain(parsed.problem)}`;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path
        .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
        .join('')
        .replace(/^\./, '');
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message;
      return `${where || 'body'}: ${message}`;
    })
    .join('; ');
}
