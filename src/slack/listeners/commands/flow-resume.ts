import type { FlowResumeParse } from '../../commands/command-table.js';
import { previewBulk } from '../flows/bulk.js';
import { changeNow } from '../flows/settle.js';
import type { SlashHandling } from './slash-listener.js';

/** `/flow-resume <key>`: the one-step way out of an incident. */
export const flowResume: SlashHandling<FlowResumeParse> = {
  invalid: (parsed) =>
    parsed.kind === 'invalid' || parsed.kind === 'invalid_pattern'
      ? { action: 'resume', problem: parsed.problem.code }
      : undefined,
  work: (parsed) => {
    if (parsed.kind === 'resume')
      return (services, request) => changeNow(services, request, parsed.ref, { action: 'resume' });
    if (parsed.kind === 'bulk')
      return (services, request) => previewBulk(services, request, parsed.pattern, { action: 'resume' });
    return undefined;
  },
};
