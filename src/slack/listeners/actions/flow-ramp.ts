import type { ControlResult } from '../../../core/ramp/ramps.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { allowedOrTold } from '../flows/allowed.js';
import { type ButtonArgs, clickOf } from './button-args.js';
import { confirmFromButton } from './confirm-button.js';

/** "Resume gradually": shows the plan privately and asks to confirm, like `/flow ramp`. */
export function flowRampButton(context: ListenerContext) {
  return confirmFromButton(context, 'ramp', (target) => ({ action: 'ramp', target, request: {} }));
}

type Control = 'hold' | 'proceed' | 'finish' | 'abort';

/** Pause ramp / Continue / Finish now / Abort on the progress message; each is authorized as `ramp`. */
export function flowRampControlButton(context: ListenerContext, control: Control) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const ramp = /^[a-z][a-z0-9_-]{0,31}:.+$/s.test(click.value)
        ? await context.ramps.get(click.value)
        : undefined;
      if (!ramp) {
        await reply(context, args.respond, noteMessage('There is no such ramp any more.'), {
          visibility: 'ephemeral',
        });
        return;
      }
      if (!(await allowedOrTold(context, args.respond, click.userId, 'ramp', ramp.target, click.channelId)))
        return;
      let result: ControlResult;
      if (control === 'hold') result = await context.ramps.hold(ramp.id, click.userId);
      else if (control === 'proceed') result = await context.ramps.proceed(ramp.id, click.userId);
      else if (control === 'finish') result = await context.ramps.finish(ramp.id, click.userId);
      else result = await context.ramps.abort(ramp.id, click.userId);
      context.audit.record({
        actor: click.userId,
        action: 'ramp',
        key: ramp.target.key,
        environment: ramp.target.environment,
        channel: click.channelId,
        source: 'button',
        outcome: result.ok ? 'done' : 'failed',
        control,
        ...(result.ok ? {} : { reason: result.problem }),
        latencyMs: 0,
      });
      if (!result.ok)
        await reply(context, args.respond, noteMessage(result.problem), { visibility: 'ephemeral' });
    });
  };
}
