import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBCOMMANDS, type Subcommand } from '../../src/core/commands/flow-command.js';
import { acknowledge, SLASH_COMMANDS, SUBCOMMAND_ACKS } from '../../src/slack/commands/command-table.js';
import { type Harness, STRANGER, startHarness } from '../support/flowbot-harness.js';

/**
 * Texts for every subcommand: good ones, and ones its parser refuses. The type makes a new subcommand without
 * examples an error here.
 */
const EXAMPLES: { readonly [S in Subcommand]: readonly string[] } = {
  help: ['', 'help', 'help pin', 'HELP Ramp'],
  status: ['status orders', 'status', 'status a b', 'status nowhere:x'],
  list: ['list', 'list orders-*', 'list a b'],
  pause: ['pause orders', 'pause orders for 15m deploy', 'pause orders for soon'],
  resume: ['resume orders', 'resume', 'resume <!channel>', 'resume a b'],
  pin: ['pin orders rate=5', 'pin orders', 'pin orders speed=1'],
  unpin: ['unpin orders all', 'unpin orders both'],
  'reset-rate': ['reset-rate orders', 'reset-rate'],
  global: ['global', 'global nowhere'],
  ramp: ['ramp orders', 'ramp orders over 5s', 'ramp orders from speed=3'],
  whoami: ['whoami', 'whoami x'],
  can: ['can pause orders', 'can fly orders', 'can'],
};
const FLOW_RESUME = ['orders', '', 'help', 'a b', '..', 'prod:orders'];

describe('one command table: the front door and the listeners acknowledge alike', () => {
  let frontDoor: Harness;
  let oneThread: Harness;
  beforeAll(async () => {
    frontDoor = await startHarness({ frontDoor: true });
    oneThread = await startHarness({ frontDoor: false });
  }, 60_000);
  afterAll(async () => {
    await frontDoor?.close();
    await oneThread?.close();
  });

  const ack = async (h: Harness, command: string, text: string) => {
    // A stranger: nothing behind the acknowledgement may change a key, whatever the text.
    const result = await h.command(command, text, { user: STRANGER });
    expect(result.status).toBe(200);
    return result.body === '' ? undefined : JSON.parse(result.body);
  };

  it('has examples for every subcommand core parses, and an acknowledgement for each', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...SUBCOMMANDS].sort());
    expect(Object.keys(SUBCOMMAND_ACKS).sort()).toEqual([...SUBCOMMANDS].sort());
    expect(Object.keys(SLASH_COMMANDS).sort()).toEqual(['/flow', '/flow-resume']);
  });

  it.each(SUBCOMMANDS)('/flow %s', async (subcommand) => {
    for (const text of EXAMPLES[subcommand]) {
      const expected = acknowledge('/flow', text, { names: ['default'], defaultName: 'default' });
      const [door, thread] = await Promise.all([
        ack(frontDoor, '/flow', text),
        ack(oneThread, '/flow', text),
      ]);
      expect(door, text).toEqual(thread);
      expect(door, text).toEqual(expected);
    }
  });

  it('/flow-resume', async () => {
    for (const text of FLOW_RESUME) {
      const expected = acknowledge('/flow-resume', text, { names: ['default'], defaultName: 'default' });
      const [door, thread] = await Promise.all([
        ack(frontDoor, '/flow-resume', text),
        ack(oneThread, '/flow-resume', text),
      ]);
      expect(door, text).toEqual(thread);
      expect(door, text).toEqual(expected);
    }
    expect(frontDoor.qstash.mutations).toHaveLength(0);
    expect(oneThread.qstash.mutations).toHaveLength(0);
  });
});
