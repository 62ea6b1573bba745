import { type KeyPatternProblem, keyPatternProblem } from '../core/key-patterns.js';
import type { Config } from './config.js';

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

/** What in a valid configuration can never take effect. */
export function configWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const pattern of config.watch?.keys ?? []) {
    const reason = keyPatternProblem(pattern);
    if (reason !== undefined)
      warnings.push({ code: 'watch_pattern_never_matches', variable: 'FLOW_WATCH_KEYS', pattern, reason });
  }
  return warnings;
}
