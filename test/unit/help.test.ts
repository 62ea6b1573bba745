import { describe, expect, it } from 'vitest';
import { BULK_SUBCOMMANDS } from '../../src/core/commands/flow-command.js';
import { formatDuration } from '../../src/core/durations.js';
import { DEFAULT_RAMP_SECONDS, MAX_RAMP_SECONDS, MIN_RAMP_SECONDS } from '../../src/core/ramp/ramp-plan.js';
import { HELP_TOPICS, helpMessage } from '../../src/slack/blocks/help.js';
import { acknowledge, SUBCOMMAND_ACKS } from '../../src/slack/commands/command-table.js';

const ONE = { names: ['default'], defaultName: 'default' };
const text = (topic: string | undefined) => helpMessage(topic, ONE.names).text;
/** The subcommands as the command table knows them: a new one without a help topic fails here. */
const SUBCOMMANDS_IN_TABLE = Object.keys(SUBCOMMAND_ACKS);

describe('help covers every subcommand the command table knows', () => {
  it('has a topic for each subcommand, and the general help lists each', () => {
    const general = text(undefined);
    for (const subcommand of SUBCOMMANDS_IN_TABLE) {
      expect(HELP_TOPICS, subcommand).toContain(subcommand);
      expect(general, subcommand).toContain(`\`/flow ${subcommand}`);
    }
  });

  it.each(SUBCOMMANDS_IN_TABLE)('/flow help %s answers about %s, not with the general help', (subcommand) => {
    const topic = text(subcommand);
    expect(topic).not.toEqual(text(undefined));
    expect(topic).toMatch(new RegExp(`^\\*\`/flow ${subcommand}[\` ]`));
    // Through the command table, as a person types it.
    const ack = acknowledge('/flow', `help ${subcommand}`, ONE);
    expect(ack?.text).toBe(topic);
  });

  it('explains patterns, lists the topic, and names every subcommand that takes one', () => {
    const patterns = text('patterns');
    expect(patterns).not.toEqual(text(undefined));
    for (const subcommand of BULK_SUBCOMMANDS) expect(patterns).toContain(subcommand);
    expect(patterns).toContain('`*`');
    expect(text(undefined)).toContain('patterns');
  });

  it('a ramp typed wrongly is answered with the ramp topic', () => {
    const ack = acknowledge('/flow', 'ramp orders from speed=3', ONE);
    expect(ack?.text).toContain('/flow ramp &lt;key&gt;');
  });

  it('ramp help gives the durations the parser accepts', () => {
    const ramp = text('ramp');
    expect(ramp).toContain(`in ${formatDuration(DEFAULT_RAMP_SECONDS)}`);
    expect(ramp).toContain(`from ${formatDuration(MIN_RAMP_SECONDS)} to ${formatDuration(MAX_RAMP_SECONDS)}`);
  });
});
