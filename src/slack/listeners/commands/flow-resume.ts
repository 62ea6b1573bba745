import type { FlowResumeParse } from '../../commands/command-table.js';
import { changeNow } from '../flows/settle.js';
import type { SlashHandling } from './slash-listener.js';

/** `/flow-resume <key>`: the one-step way out of an incident. */
export const flowResume: SlashHandling<FlowResumeParse> = {
  invalid: (parsed) =>
    parsed.kind === 'invalid' ? { action: 'resume', problem: parsed.problem.code } : undefined,
  work: (parsed) =>
    parsed.kind === 'resume'
      ? (services, request) => changeNow(services, request, parsed.ref, { action: 'resume' })
      : undefined,
};
