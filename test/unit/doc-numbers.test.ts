import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_REQUEST } from '../../src/config/sections/runtime.js';
import { DEFAULT_BULK_MAX_KEYS, KEYS_PER_RATE_UNIT } from '../../src/core/bulk/bulk-actions.js';
import { parseDurationSeconds } from '../../src/core/durations.js';
import { MAX_PATTERN_LENGTH, MAX_PATTERN_WILDCARDS } from '../../src/core/glob.js';
import { MAX_KEY_LENGTH } from '../../src/core/keys.js';
import { Confirmations } from '../../src/core/operations/confirmations.js';
import { DEFAULT_RAMP_SECONDS, MAX_RAMP_SECONDS, MIN_RAMP_SECONDS } from '../../src/core/ramp/ramp-plan.js';
import { MAX_STEP_FAILURES } from '../../src/core/ramp/ramps.js';
import type { StateStore } from '../../src/core/store/state-store.js';
import { MAX_ALERT_BODY_BYTES } from '../../src/slack/alerts/alert-input.js';
import { LISTED_KEYS } from '../../src/slack/blocks/bulk.js';
import { MAX_OPTIONS } from '../../src/slack/blocks/key-options.js';
import { RAMP_WORTHY_WAITLIST } from '../../src/slack/blocks/ramp.js';
import { ROLLUP_PAGE_SIZE } from '../../src/slack/blocks/rollup-alert.js';

/**
 * Numbers the README and docs state that are not settings (the configuration table is checked by
 * configuration-docs.test.ts): limits, counts and timeouts, each against the constant the code uses. Every
 * place a claim is made is checked, and each claim must still be found where it is listed, so rewording a
 * sentence means looking at this test again rather than letting the number drift from the code.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** A document's text with line breaks and runs of spaces as one space: claims wrap across lines. */
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8').replace(/\s+/g, ' ');
const WORDS: Readonly<Record<string, number>> = { three: 3, four: 4, five: 5, six: 6, ten: 10 };
const count = (text: string) => WORDS[text] ?? Number(text.replace(/,/g, ''));
const seconds = (text: string) => parseDurationSeconds(text.replace(/[`\s]/g, ''));

interface Claim {
  readonly what: string;
  /** Where the claim is made: each file must make it at least once. */
  readonly files: readonly string[];
  /** Finds the claim; the first group is the number. */
  readonly pattern: RegExp;
  readonly read?: (text: string) => number | undefined;
  readonly expected: number;
}

const CLAIMS: readonly Claim[] = [
  {
    what: '"Resume gradually" is offered from this many waiting messages',
    files: ['README.md', 'docs/usage.md', 'docs/alerts.md'],
    pattern: /Resume gradually\*\*[^.|]*?(\d[\d,]*)(?: or more)? waiting/g,
    expected: RAMP_WORTHY_WAITLIST,
  },
  {
    what: 'a key is at most this long',
    files: ['README.md', 'docs/usage.md'],
    pattern: /longer than (\d+) characters/g,
    expected: MAX_KEY_LENGTH,
  },
  {
    what: 'a pattern is at most this long',
    files: ['docs/usage.md', 'docs/security.md'],
    pattern: /at most (\d+) characters with at most \d+ wildcards/g,
    expected: MAX_PATTERN_LENGTH,
  },
  {
    what: 'a pattern has at most this many wildcards',
    files: ['docs/usage.md', 'docs/security.md'],
    pattern: /at most \d+ characters with at most (\d+) wildcards/g,
    expected: MAX_PATTERN_WILDCARDS,
  },
  {
    what: 'a bulk preview lists this many keys',
    files: ['README.md'],
    pattern: /first (\d+) keys with their state/g,
    expected: LISTED_KEYS,
  },
  {
    what: 'one bulk request changes at most this many keys by default',
    files: ['README.md', 'docs/usage.md'],
    pattern: /changes at most (\d+) keys unless/g,
    expected: DEFAULT_BULK_MAX_KEYS,
  },
  {
    what: 'a bulk request counts one change per this many keys',
    files: ['README.md', 'docs/usage.md', 'docs/architecture.md'],
    pattern: /per (\d+) keys/g,
    expected: KEYS_PER_RATE_UNIT,
  },
  {
    what: 'a ramp stops after this many failed steps',
    files: ['README.md', 'docs/usage.md'],
    pattern: /after (\w+) fail(?:ed steps|ures)/g,
    expected: MAX_STEP_FAILURES,
  },
  {
    what: 'a ramp without `over` takes this many minutes',
    files: ['README.md', 'docs/usage.md'],
    pattern: /reach it in (\d+) minutes/g,
    expected: DEFAULT_RAMP_SECONDS / 60,
  },
  {
    what: 'the shortest ramp',
    files: ['README.md', 'docs/usage.md'],
    pattern: /Durations go from (`[^`]+`) to `[^`]+`/g,
    read: seconds,
    expected: MIN_RAMP_SECONDS,
  },
  {
    what: 'the longest ramp',
    files: ['README.md', 'docs/usage.md'],
    pattern: /Durations go from `[^`]+` to (`[^`]+`)/g,
    read: seconds,
    expected: MAX_RAMP_SECONDS,
  },
  {
    what: 'confirmations and previews expire after this many minutes',
    files: ['README.md', 'docs/usage.md'],
    pattern: /expires? after (\d+) minutes/g,
    expected: new Confirmations({} as StateStore).ttlMs / 60_000,
  },
  {
    what: 'an alert body is at most this many kB',
    files: ['README.md', 'docs/alerts.md', 'docs/security.md'],
    pattern: /(?:over|`\/alerts`) (\d+) kB/g,
    expected: MAX_ALERT_BODY_BYTES / 1024,
  },
  {
    what: 'an alert request holds one in-flight unit per this many KiB',
    files: ['README.md', 'docs/alerts.md', 'docs/operating.md'],
    pattern: /per (\d+) KiB/g,
    expected: BYTES_PER_REQUEST / 1024,
  },
  {
    what: "a roll-up's full list shows this many keys a page",
    files: ['docs/alerts.md'],
    pattern: /(\d+) keys a page/g,
    expected: ROLLUP_PAGE_SIZE,
  },
  {
    what: 'the key picker offers up to this many keys',
    files: ['docs/usage.md'],
    pattern: /searches as you type \(`action_id: flow_key`\), up to (\d+) keys/g,
    expected: MAX_OPTIONS,
  },
];

describe('numbers in the README and docs agree with the code', () => {
  it.each(CLAIMS)('$what', (claim) => {
    for (const file of claim.files) {
      const found = [...read(file).matchAll(claim.pattern)];
      expect(found.length, `${file} no longer says this: update the claim's pattern`).toBeGreaterThan(0);
      for (const match of found) {
        const text = match[1] ?? '';
        expect((claim.read ?? count)(text), `${file}: “${match[0]}”`).toBe(claim.expected);
      }
    }
  });
});
