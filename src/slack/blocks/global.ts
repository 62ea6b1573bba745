import type { GlobalParallelism } from '../../core/qstash/types.js';
import { fitted } from './fit.js';
import { code, formatCount } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';
import type { SlackMessage } from './types.js';

/** `problem` is mrkdwn: the blocks' own words for what went wrong (`describeQStashError`), already escaped. */
export function globalMessage(
  results: readonly { environment: string; global: GlobalParallelism | undefined; problem?: string }[],
  naming: KeyNaming,
): SlackMessage {
  const lines = results.map(({ environment, global, problem }) => {
    const where = naming.environmentCount > 1 ? `${code(environment)}: ` : '';
    if (!global) return `${where}:warning: ${problem ?? 'unavailable'}`;
    const max = global.parallelismMax === undefined ? 'not limited' : formatCount(global.parallelismMax);
    return `${where}*Global parallelism:* ${formatCount(global.parallelismCount)} in use of ${max}`;
  });
  const text = lines.join('\n');
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
