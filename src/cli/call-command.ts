import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { commandName, wantsStream, type CallSpec } from '../api/call.js';
import { ApiClient } from '../api/client.js';
import { fromZodError } from '../api/problem.js';
import { resolveClientConfig } from './client-config.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { fieldsOf, optionOf } from './zod-options.js';

export interface GlobalArgs {
  server?: string;
  token?: string;
  json?: boolean;
}

/**
 * The CLI command of one API call: positionals and flags from its input schema. `args`
 * are the command line's arguments (to tell a positional from its flag form).
 */
export function callCommand(
  spec: CallSpec,
  io: CliIo,
  args: readonly string[] = [],
): CommandModule<GlobalArgs, GlobalArgs> {
  const fields = fieldsOf(spec.input);
  const positional = spec.positional ?? [];
  const required = requiredPositionals(spec);
  // A list as the last positional takes every argument left (`import-debs REPO DIST FILE…`).
  const variadic = (name: string) =>
    name === positional.at(-1) &&
    fields[name] !== undefined &&
    optionOf(fields[name]).type === 'array';
  const usage = [
    commandName(spec),
    ...positional.map((name) => {
      const shown = variadic(name) ? `${name}..` : name;
      return required.includes(name) ? `<${shown}>` : `[${shown}]`;
    }),
  ].join(' ');

  return {
    command: usage,
    describe: spec.summary,
    builder: (yargs: Argv<GlobalArgs>) => {
      for (const [name, schema] of Object.entries(fields)) {
        const option = optionOf(schema);
        if (positional.includes(name)) {
          // yargs takes `--name VALUE` for a positional too: flagsToo only says so.
          yargs.positional(name, {
            describe: spec.flagsToo?.includes(name)
              ? `${option.describe ?? name}; or as --${flagName(name)}`
              : option.describe,
            type: option.type === 'number' ? 'number' : 'string',
            ...(variadic(name) && { array: true }),
          });
        } else {
          yargs.option(flagName(name), option);
        }
      }
      for (const name of spec.fileFlags ?? []) {
        yargs.option(`${flagName(name)}-file`, {
          type: 'string',
          describe: `Read --${flagName(name)} from the first line of this file (kept out of the process list)`,
        });
      }
      if (spec.description) yargs.epilogue(spec.description);
      for (const [example, text] of spec.examples ?? []) yargs.example(example, text);
      return yargs as Argv<GlobalArgs>;
    },
    handler: async (argv) => {
      const input: Record<string, unknown> = {};
      for (const name of Object.keys(fields)) {
        const value = (argv as Record<string, unknown>)[
          positional.includes(name) ? name : flagName(name)
        ];
        if (value !== undefined) input[name] = value;
      }
      for (const name of spec.flagsToo ?? []) {
        const flag = flagValue(args, flagName(name));
        if (flag !== undefined && input[name] !== flag) {
          throw new UsageError(
            `${name} given twice, as the argument ${String(input[name])} and as --${flagName(name)} ${flag}: give it once`,
          );
        }
      }
      for (const name of spec.fileFlags ?? []) {
        const file = (argv as Record<string, unknown>)[`${flagName(name)}-file`];
        if (typeof file === 'string') input[name] = firstLineOf(file, name, input[name]);
      }
      // Piped in (no terminal to wait on): `gpg --export --armor KEY | debyard key-add`.
      if (spec.stdin && input[spec.stdin] === undefined && !io.prompt) {
        input[spec.stdin] = await io.readStdin();
      }
      const parsed = spec.input.safeParse(input);
      if (!parsed.success) {
        throw new UsageError(
          fromZodError(parsed.error, `invalid arguments for ${commandName(spec)}`).fullMessage,
        );
      }
      const client = new ApiClient(resolveClientConfig(argv, io));
      if (wantsStream(spec, parsed.data)) {
        // One line per item: formatted, or one JSON document per line with --json.
        const format = spec.stream?.formatItem;
        await client.stream(
          spec,
          parsed.data as never,
          (item) => io.out(argv.json || !format ? JSON.stringify(item) : format(item)),
          { signal: io.signal, reconnect: true },
        );
        return;
      }
      const output = await client.call(spec, parsed.data as never, io.signal);
      io.out(argv.json || !spec.format ? JSON.stringify(output, null, 2) : spec.format(output));
    },
  };
}

/** The positional arguments a command cannot run without (`<name>` in its usage). */
export function requiredPositionals(spec: CallSpec): string[] {
  const fields = fieldsOf(spec.input);
  return (spec.positional ?? []).filter((name) => {
    const field = fields[name];
    return field && !field.isOptional() && name !== spec.stdin;
  });
}

/** The value of `--name VALUE` or `--name=VALUE` on the command line (the last one). */
function flagValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === `--${name}` && i + 1 < args.length) value = args[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  });
  return value;
}

/** The value of `--<field>-file FILE`: the file's first line, without its line end. */
function firstLineOf(file: string, field: string, given: unknown): string {
  const flag = flagName(field);
  if (given !== undefined) {
    throw new UsageError(`give --${flag} or --${flag}-file, not both`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --${flag}-file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '')
    throw new UsageError(`--${flag}-file ${file} is empty: its first line is the ${flag}`);
  return line;
}

/** Input fields become dashed flags: `expires_days` → `--expires-days`. */
function flagName(field: string): string {
  return field.replace(/_/g, '-');
}
