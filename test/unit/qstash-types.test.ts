import { describe, expect, it } from 'vitest';
import { parseFlowKey, parseFlowKeyList, parseGlobalParallelism } from '../../src/core/qstash/types.js';

const FULL = {
  flowControlKey: 'orders',
  waitListSize: 12_340,
  parallelismMax: 10,
  parallelismCount: 5,
  rateMax: 50,
  rateCount: 40,
  ratePeriod: 60,
  ratePeriodStart: 1_700_000_000,
  isPinnedParallelism: true,
  isPinnedRate: true,
  isPaused: true,
};

const DEFAULTS = {
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

describe('parseFlowKey', () => {
  it('maps every wire field', () => {
    expect(parseFlowKey(FULL)).toEqual({
      key: 'orders',
      waitlistSize: 12_340,
      paused: true,
      parallelismMax: 10,
      parallelismCount: 5,
      rateMax: 50,
      rateCount: 40,
      ratePeriod: 60,
      ratePeriodStart: 1_700_000_000,
      pinnedParallelism: true,
      pinnedRate: true,
    });
  });

  it('defaults every omitted field (QStash omits zeros and falses)', () => {
    expect(parseFlowKey({ flowControlKey: 'k' })).toEqual({ key: 'k', ...DEFAULTS });
  });

  it('accepts the waitlistSize spelling, preferring waitListSize when both are usable', () => {
    expect(parseFlowKey({ flowControlKey: 'k', waitlistSize: 7 })?.waitlistSize).toBe(7);
    expect(parseFlowKey({ flowControlKey: 'k', waitListSize: 3, waitlistSize: 7 })?.waitlistSize).toBe(3);
    expect(parseFlowKey({ flowControlKey: 'k', waitListSize: 'lots', waitlistSize: 7 })?.waitlistSize).toBe(
      7,
    );
    expect(parseFlowKey({ flowControlKey: 'k', waitListSize: 0, waitlistSize: 7 })?.waitlistSize).toBe(0);
  });

  it('treats zero maxima, periods and starts as "not set"', () => {
    const state = parseFlowKey({
      flowControlKey: 'k',
      parallelismMax: 0,
      rateMax: 0,
      ratePeriod: 0,
      ratePeriodStart: 0,
    });
    expect(state).toEqual({ key: 'k', ...DEFAULTS });
  });

  it('turns garbage field types into defaults instead of failing', () => {
    const garbage = {
      flowControlKey: 'k',
      waitListSize: '12',
      parallelismMax: -1,
      parallelismCount: Number.NaN,
      rateMax: Number.POSITIVE_INFINITY,
      rateCount: null,
      ratePeriod: { seconds: 60 },
      ratePeriodStart: [1],
      isPinnedParallelism: 'true',
      isPinnedRate: 1,
      isPaused: 'yes',
    };
    expect(parseFlowKey(garbage)).toEqual({ key: 'k', ...DEFAULTS });
  });

  it('keeps huge finite counts', () => {
    expect(parseFlowKey({ flowControlKey: 'k', waitListSize: Number.MAX_SAFE_INTEGER })?.waitlistSize).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(parseFlowKey({ flowControlKey: 'k', rateMax: 1e308 })?.rateMax).toBe(1e308);
  });

  it('keeps hostile keys verbatim', () => {
    for (const key of ['<!channel>', '`x`', '__proto__', 'a/b', '😀', 'k'.repeat(10_000)]) {
      expect(parseFlowKey({ flowControlKey: key })?.key).toBe(key);
    }
  });

  it('refuses bodies without a string key', () => {
    for (const body of [
      undefined,
      null,
      0,
      'orders',
      true,
      [],
      ['orders'],
      {},
      { flowControlKey: 1 },
      { flowControlKey: null },
      { flowControlKey: ['orders'] },
      { key: 'orders' },
    ]) {
      expect(parseFlowKey(body), JSON.stringify(body)).toBeUndefined();
    }
  });

  it('ignores unknown fields and __proto__ from JSON without polluting prototypes', () => {
    const body = JSON.parse(
      '{"flowControlKey":"k","__proto__":{"isPaused":true,"polluted":1},"constructor":{"prototype":{"polluted":1}},"extra":"x"}',
    );
    const state = parseFlowKey(body);
    expect(state).toEqual({ key: 'k', ...DEFAULTS });
    expect(Object.keys(state ?? {})).not.toContain('extra');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { isPaused?: unknown }).isPaused).toBeUndefined();
  });
});

describe('parseFlowKeyList', () => {
  it('reads a bare array', () => {
    expect(parseFlowKeyList([FULL, { flowControlKey: 'b' }])?.map((s) => s.key)).toEqual(['orders', 'b']);
  });

  it('reads the {flowControls: [...]} shape', () => {
    const list = parseFlowKeyList({ flowControls: [{ flowControlKey: 'a', isPaused: true }], cursor: 'x' });
    expect(list).toEqual([{ key: 'a', ...DEFAULTS, paused: true }]);
  });

  it('reads empty lists as empty', () => {
    expect(parseFlowKeyList([])).toEqual([]);
    expect(parseFlowKeyList({ flowControls: [] })).toEqual([]);
  });

  it('skips junk entries and keeps the good ones in order', () => {
    const list = parseFlowKeyList([
      null,
      { flowControlKey: 'first' },
      5,
      'second',
      {},
      [],
      { flowControlKey: 2 },
      { flowControlKey: 'third', waitListSize: 'x' },
      undefined,
    ]);
    expect(list).toEqual([
      { key: 'first', ...DEFAULTS },
      { key: 'third', ...DEFAULTS },
    ]);
  });

  it('returns undefined for anything that is not a list', () => {
    for (const body of [
      undefined,
      null,
      0,
      'list',
      {},
      { flowControls: null },
      { flowControls: {} },
      { flowControls: 'x' },
      { flowcontrols: [] },
      JSON.parse('{"__proto__":{"flowControls":[{"flowControlKey":"x"}]}}'),
    ]) {
      expect(parseFlowKeyList(body), JSON.stringify(body)).toBeUndefined();
    }
  });

  it('parses a large list quickly', () => {
    const body = Array.from({ length: 5_000 }, (_, i) => ({ flowControlKey: `k${i}`, waitListSize: i }));
    const list = parseFlowKeyList({ flowControls: body });
    expect(list).toHaveLength(5_000);
    expect(list?.[4_999]).toMatchObject({ key: 'k4999', waitlistSize: 4_999 });
  });
});

describe('parseGlobalParallelism', () => {
  it('reads both fields', () => {
    expect(parseGlobalParallelism({ parallelismMax: 100, parallelismCount: 42 })).toEqual({
      parallelismMax: 100,
      parallelismCount: 42,
    });
  });

  it('defaults omitted, zero and garbage fields', () => {
    expect(parseGlobalParallelism({})).toEqual({ parallelismMax: undefined, parallelismCount: 0 });
    expect(parseGlobalParallelism({ parallelismMax: 0, parallelismCount: 3 })).toEqual({
      parallelismMax: undefined,
      parallelismCount: 3,
    });
    expect(parseGlobalParallelism({ parallelismMax: '100', parallelismCount: -1 })).toEqual({
      parallelismMax: undefined,
      parallelismCount: 0,
    });
  });

  it('refuses non-objects', () => {
    for (const body of [undefined, null, 1, 'x', [], [{ parallelismMax: 1 }]]) {
      expect(parseGlobalParallelism(body), JSON.stringify(body)).toBeUndefined();
    }
  });
});
