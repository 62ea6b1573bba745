/** Durations as people type them: `30s`, `5m`, `1h`, `2d`, or plain seconds. */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(\d{1,7})(s|m|h|d)?$/.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const value = Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
