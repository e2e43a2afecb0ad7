import { runCli } from '../../src/cli/cli.js';
import type { RunDaemon } from '../../src/cli/daemon-command.js';
import type { CliIo } from '../../src/cli/io.js';

/** Runs the CLI in this process with captured output. */
export async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; userHome?: string; runDaemon?: RunDaemon } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => (out += text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => (err += text.endsWith('\n') ? text : `${text}\n`),
    env: options.env ?? {},
    userHome: options.userHome ?? '/nonexistent-home',
  };
  const code = await runCli(args, {
    io,
    version: '0.0.0-test',
    runDaemon: options.runDaemon ?? (async () => 0),
  });
  return { code, out, err };
}
