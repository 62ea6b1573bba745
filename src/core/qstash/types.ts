import { z } from 'zod';

/** QStash's own key for messages published without a flow-control key: they wait only on global parallelism. */
export const GLOBAL_KEY = '$';

/** A flow-control key as Flowbot reasons about it; QStash omits zero and false fields, so they default here. */
export interface FlowKeyState {
  readonly key: string;
  readonly waitlistSize: number;
  readonly paused: boolean;
  readonly parallelismMax: number | undefined;
  readonly parallelismCount: number;
  readonly rateMax: number | undefined;
  readonly rateCount: number;
  /** Seconds. */
  readonly ratePeriod: number | undefined;
  /** Unix seconds. */
  readonly ratePeriodStart: number | undefined;
  readonly pinnedParallelism: boolean;
  readonly pinnedRate: boolean;
}

export interface GlobalParallelism {
  readonly parallelismMax: number | undefined;
  readonly parallelismCount: number;
}

export interface PinSettings {
  readonly parallelism?: number;
  readonly rate?: number;
  /** Seconds; only together with a rate. */
  readonly period?: number;
}

export interface UnpinSettings {
  readonly parallelism: boolean;
  readonly rate: boolean;
}

const count = z.number().finite().nonnegative().optional().catch(undefined);

const flowKeyWire = z.object({
  flowControlKey: z.string(),
  waitListSize: count,
  // The Workflow copy of the API spells it this way.
  waitlistSize: count,
  parallelismMax: count,
  parallelismCount: count,
  rateMax: count,
  rateCount: count,
  ratePeriod: count,
  ratePeriodStart: count,
  isPinnedParallelism: z.boolean().optional().catch(undefined),
  isPinnedRate: z.boolean().optional().catch(undefined),
  isPaused: z.boolean().optional().catch(undefined),
});

const positive = (value: number | undefined): number | undefined =>
  value === undefined || value <= 0 ? undefined : value;

/** A key as QStash describes one with nothing set: every field it leaves out at its default. */
export function idleFlowKey(key: string): FlowKeyState {
  return {
    key,
    waitlistSize: 0,
    paused: false,
    parallelismMax: undefined,
    parallelismCount: 0,
    rateMax: undefined,
    rateCount: 0,
    ratePeriod: undefined,
    ratePeriodStart: undefined,
    pinnedParallelism: false,
    pinnedRate: false,
  };
}

export function parseFlowKey(body: unknown): FlowKeyState | undefined {
  const parsed = flowKeyWire.safeParse(body);
  if (!parsed.success) return undefined;
  const wire = parsed.data;
  return {
    key: wire.flowControlKey,
    waitlistSize: wire.waitListSize ?? wire.waitlistSize ?? 0,
    paused: wire.isPaused ?? false,
    parallelismMax: positive(wire.parallelismMax),
    parallelismCount: wire.parallelismCount ?? 0,
    rateMax: positive(wire.rateMax),
    rateCount: wire.rateCount ?? 0,
    ratePeriod: positive(wire.ratePeriod),
    ratePeriodStart: positive(wire.ratePeriodStart),
    pinnedParallelism: wire.isPinnedParallelism ?? false,
    pinnedRate: wire.isPinnedRate ?? false,
  };
}

/** The list has shipped both as a bare array and as `{flowControls: [...]}`; entries that make no sense are skipped. */
export function parseFlowKeyList(body: unknown): FlowKeyState[] | undefined {
  let items: unknown;
  if (Array.isArray(body)) items = body;
  else if (body !== null && typeof body === 'object' && 'flowControls' in body) {
    items = (body as { flowControls: unknown }).flowControls;
  }
  if (!Array.isArray(items)) return undefined;
  const keys: FlowKeyState[] = [];
  for (const item of items) {
    const state = parseFlowKey(item);
    if (state) keys.push(state);
  }
  return keys;
}

export function parseGlobalParallelism(body: unknown): GlobalParallelism | undefined {
  const parsed = z.object({ parallelismMax: count, parallelismCount: count }).safeParse(body);
  if (!parsed.success) return undefined;
  return {
    parallelismMax: positive(parsed.data.parallelismMax),
    parallelismCount: parsed.data.parallelismCount ?? 0,
  };
}
