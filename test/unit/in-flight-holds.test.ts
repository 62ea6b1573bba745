import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { WorkTracker } from '../../src/core/work-tracker.js';
import { SLASH_COMMANDS } from '../../src/slack/commands/command-table.js';
import type { ButtonArgs } from '../../src/slack/listeners/actions/button-args.js';
import { flowResumeButton } from '../../src/slack/listeners/actions/flow-resume.js';
import { flowResume } from '../../src/slack/listeners/commands/flow-resume.js';
import { type CommandArgs, slashListener } from '../../src/slack/listeners/commands/slash-listener.js';
import { slackRequest } from '../../src/slack/request.js';
import type { Services } from '../../src/slack/services.js';

/**
 * What a change waiting on QStash keeps alive: thousands may wait at once under load, so none of them may hold
 * the request's whole payload or a logger it never uses (docs/performance.md, "What a change in flight costs").
 * Checked with the collector itself: once the listener has returned, the payload must be collectable while
 * the change still waits.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let round = 0; round < 10 && ref.deref() !== undefined; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

/** The listeners' dependencies, with a QStash change that waits until the test lets it finish. */
function waitingServices(logger = pino({ level: 'silent' })) {
  let finish: () => void = () => {};
  const pending = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const change = vi.fn(async () => {
    await pending;
    return { kind: 'refused', action: 'resume', refusal: { code: 'ramp_state_unknown' } };
  });
  const services = {
    operations: { recordInvalid: () => {}, change },
    environments: { names: ['default'], defaultName: 'default' },
    naming: { environmentCount: 1 },
    work: new WorkTracker(() => {}),
    logger,
    installation: {
      teamId: 'T0001',
      enterpriseId: undefined,
      enterpriseInstall: false,
      botId: 'BBOT',
      botUserId: 'UBOT',
    },
    responseUrls: { remember: async () => {}, used: async () => {} },
  } as unknown as Services;
  return { services, change, finish: () => finish() };
}

describe('a change waiting on QStash', () => {
  it('after a command, holds neither the command’s payload nor Bolt’s arguments', async () => {
    const { services, change, finish } = waitingServices();
    const listener = slashListener(services, SLASH_COMMANDS['/flow-resume'], flowResume);
    const refs = await (async () => {
      const args = {
        command: {
          command: '/flow-resume',
          text: 'orders-eu',
          user_id: 'U1',
          channel_id: 'C1',
          trigger_id: 't',
        },
        ack: async () => {},
        respond: async () => {},
        client: {},
      } as unknown as CommandArgs;
      await listener(args);
      return { args: new WeakRef(args), command: new WeakRef(args.command) };
    })();
    await vi.waitFor(() => expect(change).toHaveBeenCalledTimes(1));
    expect(await collected(refs.command)).toBe(true);
    expect(await collected(refs.args)).toBe(true);
    finish();
  });

  it('after a Resume click, holds neither the click’s payload nor Bolt’s arguments', async () => {
    const { services, change, finish } = waitingServices();
    const listener = flowResumeButton(services);
    const refs = await (async () => {
      const args = {
        ack: async () => {},
        respond: async () => {},
        action: { action_id: 'flow_resume', value: 'orders-eu' },
        body: {
          type: 'block_actions',
          user: { id: 'U1' },
          channel: { id: 'C1' },
          container: { type: 'message', channel_id: 'C1', message_ts: '1.2' },
          message: { ts: '1.2', text: 'orders-eu is paused', blocks: [] },
          response_url: 'http://127.0.0.1:9/response',
        },
      } as unknown as ButtonArgs;
      await listener(args);
      return { args: new WeakRef(args), body: new WeakRef(args.body) };
    })();
    await vi.waitFor(() => expect(change).toHaveBeenCalledTimes(1));
    expect(await collected(refs.body)).toBe(true);
    expect(await collected(refs.args)).toBe(true);
    finish();
  });

  it('makes a logger of its own only when it logs', () => {
    const logger = pino({ level: 'silent' });
    const child = vi.spyOn(logger, 'child');
    const installation = {
      teamId: 'T1',
      enterpriseId: undefined,
      enterpriseInstall: false,
      botId: 'B1',
      botUserId: 'U0',
    };
    const request = slackRequest({ logger, installation } as unknown as Services, {
      actorId: 'U1',
      body: { team_id: 'T1', command: '/flow' },
      channelId: 'C1',
      source: 'command',
      respond: async () => new Response(null),
    });
    expect(child).not.toHaveBeenCalled();
    request.logger.info('something worth a line');
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ requestId: request.requestId, actor: 'U1', source: 'command' });
    expect(request.logger).toBe(request.logger);
    expect(child).toHaveBeenCalledTimes(1);
  });
});
