import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../src/core/durations.js';
import { whoamiMessage } from '../../src/slack/blocks/access.js';
import { approvalPostponedNote } from '../../src/slack/blocks/approval.js';
import { describeLimit } from '../../src/slack/blocks/input-problems.js';
import { formatPeriod, rateLimitWords } from '../../src/slack/blocks/mrkdwn.js';
import { describeRefusal } from '../../src/slack/blocks/refusal.js';

const everything = {
  rule: 'admins',
  effect: 'allow' as const,
  actions: ['*'],
  keys: ['*'],
  environments: ['*'],
  channels: undefined,
};

describe('one wording for periods and the rate limit’s window', () => {
  it('/flow whoami says the window as refusals do: "30 changes within 1m", never "per 60s"', () => {
    const whoami = JSON.stringify(
      whoamiMessage([everything], false, [], {
        maxKeys: 100,
        keysPerRateUnit: 10,
        rateLimit: { limit: 30, windowMs: 60_000 },
      }),
    );
    expect(whoami).toContain('30 changes within 1m');
    expect(whoami).not.toContain('60s');
  });

  it('every period a person sees reads back as the same number of seconds, and whoami and refusals agree (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.oneof(
          fc.integer({ min: 1, max: 90 * 86_400 }),
          fc.integer({ min: 1, max: 90 }).map((d) => d * 86_400),
        ),
        (limit, seconds) => {
          const shown = formatPeriod(seconds);
          expect(parseDurationSeconds(shown)).toBe(seconds);
          const words = rateLimitWords(limit, seconds * 1000);
          expect(words).toContain(`within ${shown}`);
          const refusal = describeRefusal(
            {
              code: 'rate_limited',
              limit,
              used: limit,
              wanted: 1,
              windowMs: seconds * 1000,
              retryAfterMs: 1000,
            },
            'pause',
          );
          expect(refusal).toContain(words);
          const whoami = JSON.stringify(
            whoamiMessage([everything], false, [], {
              maxKeys: 10,
              keysPerRateUnit: 10,
              rateLimit: { limit, windowMs: seconds * 1000 },
            }),
          );
          expect(whoami).toContain(words);
          if (seconds > 1) expect(describeLimit('rate', 5, seconds)).toBe(`5 per ${shown}`);
        },
      ),
    );
  });

  it('a wait is said as refusals say it (seconds, then minutes), not in raw seconds', () => {
    const note = JSON.stringify(
      approvalPostponedNote(
        { requesterId: 'U0ALICE' } as Parameters<typeof approvalPostponedNote>[0],
        5 * 60_000,
      ),
    );
    expect(note).toContain('approve it again in 5 minutes');
  });

  it('no Block Kit builder prints a duration as raw seconds of its own making ("…/ 1000)}s")', () => {
    const dir = new URL('../../src/slack/blocks/', import.meta.url);
    // mrkdwn.ts holds formatPeriod itself, the one place a period becomes words.
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.ts') && file !== 'mrkdwn.ts')) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      expect(text, name).not.toMatch(/1000\)\}\s?s\b/);
      expect(text, name).not.toMatch(/\$\{(period|seconds|windowSeconds)\}s\b/);
    }
  });
});
