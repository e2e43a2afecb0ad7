import { runCli } from '../../src/cli/cli.js';
import type { RunDaemon } from '../../src/cli/daemon-command.js';
import type { CliIo } from '../../src/cli/io.js';

/** Runs the CLI in this process with captured output. */
export async function cli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    userHome?: string;
    runDaemon?: RunDaemon;
    /** Answers to the terminal prompts, in order; without them there is no terminal. */
    answers?: string[];
    stdin?: string;
    /** Ends a followed stream. */
    signal?: AbortSignal;
    /** Called with each line printed to standard output, as it is printed. */
    onOut?: (text: string) => void;
  } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const answers = options.answers ? [...options.answers] : undefined;
  const io: CliIo = {
    out: (text) => {
      out += text.endsWith('\n') ? text : `${text}\n`;
      options.onOut?.(text);
    },
    err: (text) => (err += text.endsWith('\n') ? text : `${text}\n`),
    env: options.env ?? {},
    userHome: options.userHome ?? '/nonexistent-home',
    prompt: answers ? async () => answers.shift() ?? '' : undefined,
    readStdin: async () => options.stdin ?? '',
    signal: options.signal,
  };
  const code = await runCli(args, {
    io,
    version: '0.0.0-test',
    runDaemon: options.runDaemon ?? (async () => 0),
  });
  return { code, out, err };
}
