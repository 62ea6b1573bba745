import { type FlowKeyState, idleFlowKey } from '../../src/core/qstash/types.js';

/** A flow-control key's state with every field at QStash's default, overridable per test. */
export function keyState(overrides: Partial<FlowKeyState> = {}): FlowKeyState {
  return { ...idleFlowKey('orders'), ...overrides };
}

/** Every string anywhere inside a value (message text, block texts, button values, …). */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}
