import { z } from 'zod';

/** Who may make a call: anyone, or a logged-in user with at least this role. */
export const ACCESS_LEVELS = ['anonymous', 'login', 'staff', 'admin'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export function accessAllows(have: Access, need: Access): boolean {
  return ACCESS_LEVELS.indexOf(have) >= ACCESS_LEVELS.indexOf(need);
}

/**
 * One API call, defined once. From it come the HTTP route (`GET|POST /api/v1/<name>`),
 * the CLI command (`debyard <name with dashes>`), its flags and its help text.
 * Specs are pure data (no service imports) so the CLI can load them cheaply.
 */
export interface CallSpec<I extends z.ZodTypeAny = z.ZodTypeAny, O = unknown> {
  name: string;
  method: 'GET' | 'POST';
  access: Access;
  /** One line: CLI command description and API reference. */
  summary: string;
  /** Longer help, shown by `debyard <call> --help`. */
  description?: string;
  /** A zod object schema; each field's `.describe()` text is its flag help. */
  input: I;
  /** Input fields taken as CLI positional arguments, in order. */
  positional?: readonly string[];
  /** Human-readable CLI output; JSON is printed when absent or with --json. */
  format?(output: O): string;
  /** Usage examples for the CLI help: [command, description]. */
  examples?: readonly (readonly [string, string])[];
}

export type CallInput<S> = S extends CallSpec<infer I, unknown> ? z.output<I> : never;
export type CallOutput<S> = S extends CallSpec<z.ZodTypeAny, infer O> ? O : never;

export function defineCall<I extends z.ZodTypeAny, O>(spec: CallSpec<I, O>): CallSpec<I, O> {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new Error(`bad call name ${spec.name}`);
  return spec;
}

/** The CLI command name of a call: `build_log` → `build-log`. */
export function commandName(spec: Pick<CallSpec, 'name'>): string {
  return spec.name.replace(/_/g, '-');
}

/** The HTTP path of a call. */
export function callPath(spec: Pick<CallSpec, 'name'>): string {
  return `/api/v1/${spec.name}`;
}

/** A boolean that also accepts the query-string spellings true/false/1/0/yes/no. */
export const queryBoolean = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return value;
}, z.boolean());
