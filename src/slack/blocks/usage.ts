import type { PatternProblem } from '../../core/glob.js';
import type { KeyProblem } from '../../core/keys.js';
import { fitted } from './fit.js';
import { describeKeyProblem } from './input-problems.js';
import { warningMessage } from './outcome.js';
import type { SlackMessage } from './types.js';

export function flowResumeUsage(environmentNames: readonly string[]): SlackMessage {
  const example =
    environmentNames.length > 1
      ? `\`/flow-resume orders-eu\` (environment \`${environmentNames[0]}\`) or \`/flow-resume ${environmentNames[1]}:orders-eu\``
      : '`/flow-resume orders-eu`';
  const text = [
    '*Resume a paused QStash flow-control key*',
    'Usage: `/flow-resume &lt;key&gt;`',
    `Example: ${example}`,
    environmentNames.length > 1
      ? `Environments: ${environmentNames.map((name) => `\`${name}\``).join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

/** A pattern given where a key goes, that can't be used. */
export function patternProblem(problem: PatternProblem, command: string): SlackMessage {
  return warningMessage(
    describeKeyProblem(problem, 'pattern'),
    `Usage: \`${command} &lt;key or pattern&gt;\``,
  );
}

export function keyProblem(problem: KeyProblem, command: string): SlackMessage {
  return warningMessage(describeKeyProblem(problem), `Usage: \`${command} &lt;key&gt;\``);
}
