import { type KeyPatternProblem, keyPatternProblem } from '../key-patterns.js';

/**
 * A setting that is valid but can't do anything. Data only (a code and what it is about); put into words where
 * it is shown (the startup log).
 */
export type ConfigWarning = {
  /** A `FLOW_WATCH_KEYS` pattern that no key can match: the watcher never alerts on it. */
  readonly code: 'watch_pattern_never_matches';
  readonly variable: 'FLOW_WATCH_KEYS';
  readonly pattern: string;
  readonly reason: KeyPatternProblem;
};

/**
 * What in the watcher's valid settings can never take effect: `keys` are the `FLOW_WATCH_KEYS` patterns
 * (config's `watch.keys`; none when the watcher is off).
 */
export function watchWarnings(keys: readonly string[]): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const pattern of keys) {
    const reason = keyPatternProblem(pattern);
    if (reason !== undefined)
      warnings.push({ code: 'watch_pattern_never_matches', variable: 'FLOW_WATCH_KEYS', pattern, reason });
  }
  return warnings;
}
