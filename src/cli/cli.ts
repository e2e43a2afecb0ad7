import yargs, { type CommandModule } from 'yargs';
import { ALL_CALLS } from '../api/specs/index.js';
import { AppError, describeError } from '../shared/errors.js';
import { commandName } from '../api/call.js';
import { callCommand, requiredPositionals } from './call-command.js';
import {
  COMMAND_LIST_MARKER,
  formatCommandList,
  helpWidth,
  listedSeparately,
  type ListedCommand,
} from './command-list.js';
import { daemonCommand, type RunDaemon } from './daemon-command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeOf, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { loginCommand, logoutCommand } from './login-command.js';
import { terminalSafe } from './terminal-text.js';

export interface CliDeps {
  io: CliIo;
  runDaemon: RunDaemon;
  version: string;
}

/** Parses the command line and runs one command; resolves with the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let raw = false;
  const io = terminalSafe(deps.io, () => raw);
  let exitCode = EXIT_OK;
  let helpText = '';
  const width = helpWidth(io.columns, io.env);
  const listed: ListedCommand[] = [];
  const parser = yargs([...argv])
    .scriptName('debyard')
    .usage(
      `$0 <command> [options]\n\nSelf-hosted Debian build daemon and its command-line client.\n\n${COMMAND_LIST_MARKER}`,
    )
    .option('server', {
      type: 'string',
      global: true,
      describe:
        'Daemon URL [default: DEBYARD_SERVER, ~/.config/debyard/config, http://localhost:8066]',
    })
    .option('token', {
      type: 'string',
      global: true,
      describe: 'API token [default: DEBYARD_TOKEN or the config file]',
    })
    .option('json', {
      type: 'boolean',
      global: true,
      default: false,
      describe: 'Print JSON instead of tables',
    })
    .option('raw', {
      type: 'boolean',
      global: true,
      default: false,
      describe:
        'Print text from the daemon (build logs, events) byte for byte. Without it, output to a terminal keeps colours but drops every other control sequence (window titles, clipboard writes, cursor moves) and control character; output to a file or pipe is never changed',
    })
    .middleware((args) => {
      raw = args.raw === true;
    }, true)
    .command(
      listedSeparately(
        daemonCommand(deps.runDaemon, (code) => (exitCode = code)) as unknown as CommandModule,
        listed,
      ),
    )
    .command(listedSeparately(loginCommand(io) as unknown as CommandModule, listed))
    .command(listedSeparately(logoutCommand(io) as unknown as CommandModule, listed))
    .demandCommand(1, 'name a command; see debyard --help')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(deps.version)
    .wrap(width)
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(missingArguments(message, argv) ?? message);
    });
  for (const spec of ALL_CALLS)
    parser.command(
      listedSeparately(callCommand(spec, io, argv), listed) as unknown as CommandModule,
    );

  try {
    await parser.parseAsync([...argv], {}, (_error, _parsed, output) => {
      helpText = output;
    });
    if (helpText) io.out(helpText.replace(COMMAND_LIST_MARKER, formatCommandList(listed, width)));
    return exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`debyard: ${error.message}\nRun "debyard --help" for usage.`);
      return EXIT_USAGE;
    }
    io.err(`debyard: ${error instanceof AppError ? describeError(error) : describeError(error)}`);
    return exitCode === EXIT_OK ? exitCodeOf(error) || EXIT_FAILURE : exitCode;
  }
}

/** yargs' "Not enough non-option arguments: got 1, need at least 2" names no argument. */
function missingArguments(message: string, argv: readonly string[]): string | null {
  const got = /^Not enough non-option arguments: got (\d+)/.exec(message);
  const spec = ALL_CALLS.find((s) => argv.includes(commandName(s)));
  if (!got || !spec) return null;
  const missing = requiredPositionals(spec).slice(Number(got[1]));
  if (missing.length === 0) return null;
  const command = commandName(spec);
  return `${command} needs ${missing.map((name) => `<${name}>`).join(' ')} (see debyard ${command} --help)`;
}
