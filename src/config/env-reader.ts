import type { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads variables and collects every problem, so a person fixing `.env` sees all of them in one go. Problems
 * name the variable and say what is expected; they never repeat a value, since values may be secrets.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value; empty and whitespace-only count as unset. */
  read(name: string): string | undefined {
    // Own variables only: a name built from configured text (QSTASH_TOKEN_<ENV>) never finds an inherited member.
    const value = (Object.hasOwn(this.env, name) ? this.env[name] : undefined)?.trim();
    return value === '' ? undefined : value;
  }

  /** The value, or a "missing" problem saying what it is and where to find it. */
  required(name: string, what: string): string | undefined {
    const value = this.read(name);
    if (value === undefined) this.problem(`${name} is missing: ${what}.`);
    return value;
  }

  /** `value` (usually `read(name)`) parsed by `schema`, or an "invalid" problem saying what is expected. */
  checked<T>(name: string, value: string | undefined, schema: z.ZodType<T>, what: string): T | undefined {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.invalid(name, what);
    return undefined;
  }

  invalid(name: string, what: string): void {
    this.problem(`${name} is invalid: ${what}.`);
  }

  problem(text: string): void {
    this.problems.push(text);
  }
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
