import type { EnvironmentNames } from '../../core/commands/flow-command.js';
import {
  type FlowFormParse,
  type FormField,
  type FormProblems,
  type FormValues,
  parseFlowForm,
} from '../../core/commands/flow-form.js';
import type { KeyProblem } from '../../core/keys.js';
import { type PickedKey, readKeyOptionValue } from '../blocks/key-options.js';
import { formErrors, MODAL_BLOCKS } from '../blocks/modal.js';
import { FLOW_CONTROL_VIEW } from '../blocks/surface-ids.js';

/** A submitted Flow control modal, understood: the key (or a handle for a long one) and the rest. */
export type FlowControlForm =
  | {
      readonly kind: 'ok';
      readonly key: Exclude<PickedKey, { kind: 'invalid' }>;
      readonly form: Extract<FlowFormParse, { kind: 'ok' }>;
    }
  | { readonly kind: 'invalid'; readonly problems: FormProblems; readonly keyProblem?: KeyProblem };

type StateValues = Record<string, Record<string, Record<string, unknown>>>;

function valuesOf(view: unknown): StateValues {
  const state = (view as { state?: { values?: unknown } } | undefined)?.state?.values;
  return state && typeof state === 'object' ? (state as StateValues) : {};
}

/**
 * One input's value: its text, its chosen option's value or its chosen conversation; empty is undefined.
 * Unlike a command's or a message's text, a modal's input values arrive exactly as typed (Slack encodes no
 * entities and wraps no links there), so they are not decoded: a reason typed `a &amp; b` stays that.
 */
function field(values: StateValues, blockId: string): string | undefined {
  const input = values[blockId]?.[blockId];
  if (!input || typeof input !== 'object') return undefined;
  const raw =
    typeof input.value === 'string'
      ? input.value
      : typeof (input.selected_option as { value?: unknown } | null | undefined)?.value === 'string'
        ? (input.selected_option as { value: string }).value
        : typeof input.selected_conversation === 'string'
          ? input.selected_conversation
          : undefined;
  const trimmed = raw?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads a `view_submission`'s `view` (untrusted: any shape) into the form's values, and those into a
 * `/flow` request with core's parser. The key is a key picker's option value: a key, or a handle for one too
 * long for an option, which the app resolves from its key list.
 */
export function readFlowControlForm(view: unknown, environments: EnvironmentNames): FlowControlForm {
  const state = valuesOf(view);
  const values: { [F in FormField]?: string } = {};
  for (const [name, blockId] of Object.entries(MODAL_BLOCKS) as [FormField, string][]) {
    const value = field(state, blockId);
    if (value !== undefined) values[name] = value;
  }
  const parsed = parseFlowForm(values as FormValues);
  const picked = values.key === undefined ? undefined : readKeyOptionValue(values.key, environments);
  const keyProblem = picked?.kind === 'invalid' ? picked.problem : undefined;
  if (parsed.kind === 'invalid' || picked === undefined || picked.kind === 'invalid')
    return {
      kind: 'invalid',
      problems: parsed.kind === 'invalid' ? parsed.problems : {},
      ...(keyProblem ? { keyProblem } : {}),
    };
  return { kind: 'ok', key: picked, form: parsed };
}

/** What a view submission is acknowledged with: nothing (the modal closes) or errors beside the inputs. */
export type ViewAck = ReturnType<typeof formErrors> | undefined;

/**
 * The acknowledgement of a `view_submission` body. Like a command's, it depends on the submission alone, so
 * the front door decides it without a round trip to the app; other callback_ids close quietly.
 */
export function viewSubmissionAck(body: Record<string, unknown>, environments: EnvironmentNames): ViewAck {
  const view = body.view as { callback_id?: unknown } | undefined;
  if (view?.callback_id !== FLOW_CONTROL_VIEW) return undefined;
  const read = readFlowControlForm(view, environments);
  return read.kind === 'ok' ? undefined : formErrors(read.problems, read.keyProblem);
}
