import { describe, expect, it } from 'vitest';
import { releasedByResume, summarizeState } from '../../src/slack/blocks/key-state.js';
import { keyState } from './fixtures.js';

describe('summarizeState', () => {
  it('describes a delivering key with nothing configured', () => {
    expect(summarizeState(keyState())).toBe(':arrow_forward: delivering · 0 waiting');
  });

  it('describes a paused key with a backlog', () => {
    expect(summarizeState(keyState({ paused: true, waitlistSize: 12_340 }))).toBe(
      ':double_vertical_bar: *paused* · 12,340 waiting',
    );
  });

  it('adds parallelism and rate with their period', () => {
    expect(
      summarizeState(
        keyState({
          paused: true,
          waitlistSize: 12_340,
          parallelismMax: 10,
          parallelismCount: 5,
          rateMax: 50,
          rateCount: 40,
          ratePeriod: 60,
        }),
      ),
    ).toBe(':double_vertical_bar: *paused* · 12,340 waiting · parallelism 5/10 · rate 40/50 per 1m');
  });

  it('leaves out the period when QStash gave none', () => {
    expect(summarizeState(keyState({ rateMax: 1_000, rateCount: 1_500 }))).toBe(
      ':arrow_forward: delivering · 0 waiting · rate 1,500/1,000',
    );
  });

  it('shows parallelism alone when only it is set', () => {
    expect(summarizeState(keyState({ parallelismMax: 1, parallelismCount: 0, ratePeriod: 3_600 }))).toBe(
      ':arrow_forward: delivering · 0 waiting · parallelism 0/1',
    );
  });

  it('never mentions the key itself, so hostile keys cannot reach the summary', () => {
    const summary = summarizeState(keyState({ key: '<!channel>`', paused: true }));
    expect(summary).not.toContain('<');
    expect(summary).not.toContain('channel');
  });
});

describe('releasedByResume', () => {
  it('says nothing when the earlier state is unknown', () => {
    expect(releasedByResume(undefined)).toBeUndefined();
  });

  it('says when the key was not paused', () => {
    expect(releasedByResume(keyState({ paused: false, waitlistSize: 99 }))).toBe(
      'It was not paused; delivery continues as before.',
    );
  });

  it('says when nothing was waiting', () => {
    expect(releasedByResume(keyState({ paused: true, waitlistSize: 0 }))).toBe('No messages were waiting.');
  });

  it('counts the released messages, singular and plural', () => {
    expect(releasedByResume(keyState({ paused: true, waitlistSize: 1 }))).toBe(
      '1 waiting message released to delivery.',
    );
    expect(releasedByResume(keyState({ paused: true, waitlistSize: 12_340 }))).toBe(
      '12,340 waiting messages released to delivery.',
    );
  });
});
