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
export interface CallSpec<I extends z.ZodTypeAny = z.ZodTypeAny, O = unknown, T = unknown> {
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
  /**
   * Positional fields that may be given as flags instead (`chroot-create bookworm
   * --architecture arm64` as well as `chroot-create bookworm arm64`).
   */
  flagsToo?: readonly string[];
  /** A string input field the CLI reads from standard input (a pipe) when it is not given. */
  stdin?: string;
  /**
   * Secret string fields the CLI also reads from a file, `--<field>-file FILE` (its first
   * line), so that they stay out of the process list.
   */
  fileFlags?: readonly string[];
  /** Human-readable CLI output; JSON is printed when absent or with --json. */
  format?(output: O): string;
  /** Usage examples for the CLI help: [command, description]. */
  examples?: readonly (readonly [string, string])[];
  /** Set for calls that can answer with a stream of items instead of one document. */
  stream?: StreamSpec<T>;
}

/**
 * A streaming call: when the boolean input field `flag` is true, the answer is a stream
 * of Server-Sent Events, one JSON item each, with ids a client resumes after
 * (`Last-Event-ID`). The CLI follows it (`debyard events --follow`) and prints each item.
 */
export interface StreamSpec<T> {
  flag: string;
  /** One line per item for humans; JSON lines are printed when absent or with --json. */
  formatItem?(item: T): string;
  /**
   * For streams that end (a build log): whether this is the last item. A client stops
   * there instead of resuming the stream.
   */
  isLast?(item: T): boolean;
}

export type CallInput<S> = S extends CallSpec<infer I, unknown, unknown> ? z.output<I> : never;
export type CallOutput<S> = S extends CallSpec<z.ZodTypeAny, infer O, unknown> ? O : never;
export type CallStreamItem<S> = S extends CallSpec<z.ZodTypeAny, unknown, infer T> ? T : never;

export function defineCall<I extends z.ZodTypeAny, O, T = never>(
  spec: CallSpec<I, O, T>,
): CallSpec<I, O, T> {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new Error(`bad call name ${spec.name}`);
  if (spec.stream && !(spec.stream.flag in fieldsShape(spec.input))) {
    throw new Error(`call ${spec.name} streams on --${spec.stream.flag}, which is not an input`);
  }
  return spec;
}

function fieldsShape(schema: z.ZodTypeAny): Record<string, unknown> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : {};
}

/** Whether this validated input asks for the call's stream. */
export function wantsStream(spec: CallSpec, input: unknown): boolean {
  return !!spec.stream && (input as Record<string, unknown>)?.[spec.stream.flag] === true;
}

/** The CLI command name of a call: `build_log` → `build-log`. */
export function commandName(spec: Pick<CallSpec, 'name'>): string {
  return spec.name.replace(/_/g, '-');
}

/** The HTTP path of a call. */
export function callPath(spec: Pick<CallSpec, 'name'>): string {
  return `/api/v1/${spec.name}`;
}

/** A whole number that also accepts its query-string spelling, within [min, max]. */
export function queryInt(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z
      .number({ invalid_type_error: 'expected a whole number' })
      .int('expected a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
}

/** A boolean that also accepts the query-string spellings true/false/1/0/yes/no. */
export const queryBoolean = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return value;
}, z.boolean());

/**
 * Reads a list given repeated (`?state=a&state=b`), comma-separated (`a,b`: a CLI flag, a
 * form field) or both: items trimmed, empty ones dropped, `normalize` applied to each.
 * Anything else is left as it is, for the schema to refuse. For z.preprocess.
 */
export function commaList(normalize: (item: string) => string = (item) => item) {
  return (value: unknown): unknown => {
    if (typeof value !== 'string' && !Array.isArray(value)) return value;
    return (Array.isArray(value) ? (value as unknown[]) : [value])
      .flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))
      .map((item) => (typeof item === 'string' ? normalize(item.trim()) : item))
      .filter((item) => item !== '');
  };
}
