import type { Argv, CommandModule } from 'yargs';

/** One line of `debyard --help`: a command's name and its one-line summary. */
export interface ListedCommand {
  name: string;
  summary: string;
}

/** Where `debyard --help` puts the command list (yargs' own list wraps commands). */
export const COMMAND_LIST_MARKER = '<<debyard-commands>>';

/** The widest help debyard prints, however wide the terminal. */
const MAX_WIDTH = 100;

/**
 * The width help text is laid out for: the terminal's, else COLUMNS (a pipe), else 80;
 * at most 100.
 */
export function helpWidth(columns: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number.parseInt(env.COLUMNS ?? '', 10);
  const width = columns || (fromEnv > 0 ? fromEnv : 80);
  return Math.min(MAX_WIDTH, Math.max(40, width));
}

/**
 * The command list of `debyard --help`: one line per command, the summaries aligned
 * after the longest name. A summary too long for `width` goes on under itself.
 */
export function formatCommandList(commands: readonly ListedCommand[], width: number): string {
  const column = Math.max(...commands.map((c) => c.name.length)) + 4;
  const room = Math.max(20, width - column);
  const lines = commands.map((c) => {
    const [first, ...rest] = wrapWords(c.summary, room);
    return [`  ${c.name.padEnd(column - 2)}${first}`, ...rest.map((l) => ' '.repeat(column) + l)];
  });
  return ['Commands (debyard <command> --help explains one):', ...lines.flat()].join('\n');
}

/**
 * Takes a command out of yargs' command list (the list above has it) and gives its own
 * help the usage line and the summary yargs would have shown.
 */
export function listedSeparately<T, U>(
  module: CommandModule<T, U>,
  list: ListedCommand[],
): CommandModule<T, U> {
  const usage = String(module.command);
  const summary = String(module.describe);
  list.push({ name: usage.split(' ')[0]!, summary });
  const builder = module.builder;
  return {
    ...module,
    describe: false,
    builder: (yargs: Argv<T>) => {
      const built = typeof builder === 'function' ? builder(yargs) : yargs.options(builder ?? {});
      return (built as Argv<U>).usage(`$0 ${usage}\n\n${summary}`);
    },
  };
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}
