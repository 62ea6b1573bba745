import type { RampControl } from '../../../core/ramp/ramp-record.js';
import { refusedMessage } from '../../blocks/outcome.js';
import { rampControlNote } from '../../blocks/ramp.js';
import type { Services } from '../../services.js';
import { type ButtonArgs, clickOf, clickRequest } from './button-args.js';
import { confirmFromButton } from './confirm-button.js';

/** "Resume gradually": shows the plan privately and asks to confirm, like `/flow ramp`. */
export function flowRampButton(services: Services) {
  return confirmFromButton(services, 'ramp', { action: 'ramp', request: {} });
}

/**
 * Pause ramp / Continue / Finish now / Abort on the progress message. Core authorizes each for what it takes
 * and redraws the message; a refusal or a control that no longer applies is told privately.
 */
export function flowRampControlButton(services: Services, control: RampControl) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const rampId = clickOf(args).value;
    void request.run(async () => {
      const result = await services.operations.controlRamp({ ...request.asking, rampId, control });
      if (result.kind === 'done') return;
      if (result.kind === 'refused')
        await request.tell(refusedMessage({ action: 'ramp', ...result }, services.naming));
      else await request.tell(rampControlNote(result));
    });
  };
}
