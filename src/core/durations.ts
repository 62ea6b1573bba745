/** Durations as people type them: `30s`, `5m`, `1h`, `2d`, or plain seconds. */
const UNITS: [RegExp, number][] = [
  [/^(s|secs?|seconds?)$/, 1],
  [/^(m|mins?|minutes?)$/, 60],
  [/^(h|hrs?|hours?)$/, 3600],
  [/^(d|days?)$/, 86_400],
];

/** The seconds in a unit word (`m`, `min`, `minutes`…), or undefined. */
export function unitSeconds(unit: string): number | undefined {
  return UNITS.find(([pattern]) => pattern.test(unit.toLowerCase()))?.[1];
}

/** `options.unitRequired`: a bare number is refused (in `pause … for 15`, seconds would be a surprise). */
export function parseDurationSeconds(
  text: string,
  options: { unitRequired?: boolean } = {},
): number | undefined {
  const match = /^(\d{1,7})\s*([a-z]*)$/.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const unit = match[2] ?? '';
  if (unit === '' && options.unitRequired) return undefined;
  const per = unit === '' ? 1 : unitSeconds(unit);
  if (per === undefined) return undefined;
  const value = Number(match[1]) * per;
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
