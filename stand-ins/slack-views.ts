import { type ViewMethod, validateView } from './block-kit.js';

/**
 * Slack's rules for views (modals and the Home tab) and for an options load URL's answer, as pure functions
 * the fake Slack and unit tests share. Views are checked by the Block Kit validator (`block-kit.ts`), as
 * `views.open` / `views.update` (a modal) and `views.publish` (a Home tab) check them.
 */

export type ViewSurface = 'modal' | 'home';

/** Slack's answer to a bad view: `invalid_arguments` with what was wrong, as `response_metadata.messages`. */
export interface ViewProblem {
  readonly error: string;
  readonly messages: string[];
}

/** A trigger_id opens one view within this long of the interaction that made it (Slack: 3 seconds). */
export const TRIGGER_TTL_MS = 3_000;

const MAX_OPTIONS = 100;
const MAX_OPTION_TEXT = 75;
const MAX_OPTION_VALUE = 150;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.text === 'string' ? value.text : undefined;
}

/** The method that checks a view for this surface. */
export function viewMethod(surface: ViewSurface): ViewMethod {
  return surface === 'home' ? 'views.publish' : 'views.open';
}

/** Checks a view object; returns Slack's error, or undefined when Slack would take it. */
export function checkView(view: unknown, surface: ViewSurface): ViewProblem | undefined {
  const refusal = validateView(view, viewMethod(surface));
  return refusal === undefined
    ? undefined
    : { error: refusal.error, messages: refusal.details.map((detail) => `[ERROR] ${detail}`) };
}

/** An option object, as in an options load URL's answer. */
export function checkOption(option: unknown, at: string, fail: (message: string) => void): void {
  if (!isObject(option)) {
    fail(`an option must be an object [json-pointer:${at}]`);
    return;
  }
  const text = textOf(option.text);
  if (!text) fail(`an option needs text [json-pointer:${at}/text]`);
  else if (text.length > MAX_OPTION_TEXT)
    fail(`must be less than ${MAX_OPTION_TEXT + 1} characters [json-pointer:${at}/text/text]`);
  if (typeof option.value !== 'string' || option.value === '')
    fail(`an option needs a value [json-pointer:${at}/value]`);
  else if (option.value.length > MAX_OPTION_VALUE)
    fail(`must be less than ${MAX_OPTION_VALUE + 1} characters [json-pointer:${at}/value]`);
  if ((textOf(option.description) ?? '').length > MAX_OPTION_TEXT)
    fail(`must be less than ${MAX_OPTION_TEXT + 1} characters [json-pointer:${at}/description/text]`);
}

/**
 * What Slack does with an options load URL's answer: up to 100 options, each valid; anything else and the
 * person sees an empty menu. Returns the problems, none when Slack would show it.
 */
export function checkOptionsAnswer(answer: unknown): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);
  if (!isObject(answer) || !Array.isArray(answer.options)) return ['the answer must be {"options": [...]}'];
  if (answer.options.length > MAX_OPTIONS) fail(`no more than ${MAX_OPTIONS} options allowed`);
  for (const [index, option] of answer.options.entries()) checkOption(option, `/options/${index}`, fail);
  return problems;
}
