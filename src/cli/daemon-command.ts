import type { Argv, CommandModule } from 'yargs';
import type { SettingFlags } from '../config/load-settings.js';
import type { GlobalArgs } from './call-command.js';

export interface DaemonArgs extends SettingFlags {
  config?: string;
}

/** Runs the daemon until it is stopped; resolves with the exit code. Provided by app/. */
export type RunDaemon = (args: DaemonArgs) => Promise<number>;

export function daemonCommand(
  run: RunDaemon,
  setExitCode: (code: number) => void,
): CommandModule<GlobalArgs, GlobalArgs & DaemonArgs> {
  return {
    command: 'daemon',
    describe: 'Run the daemon (HTTP on 8066, FTP incoming on 8067)',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .option('config', { type: 'string', describe: 'TOML settings file (see etc/debyard.toml)' })
        .option('home', { type: 'string', describe: 'Folder for all state [default: ./var]' })
        .option('http', {
          type: 'string',
          describe: 'HTTP listen address HOST:PORT [default: 0.0.0.0:8066]',
        })
        .option('ftp', {
          type: 'string',
          describe: 'FTP listen address HOST:PORT [default: 0.0.0.0:8067]',
        })
        .option('identity', {
          type: 'string',
          describe: 'Name of this instance [default: host name]',
        })
        .option('public-url', { type: 'string', describe: 'Base URL clients reach the daemon at' })
        .option('log-level', {
          type: 'string',
          describe: 'trace, debug, info, warn, error, fatal or silent [default: info]',
        })
        .option('log-format', {
          type: 'string',
          describe: 'json, pretty, or auto: pretty on a terminal [default: auto]',
        })
        .option('build-parallelism', {
          type: 'string',
          describe: 'Parallel builds on this host [default: cores]',
        })
        .example(
          'debyard daemon --home /srv/debyard --http 127.0.0.1:8066',
          'run with state in /srv/debyard',
        ) as Argv<GlobalArgs & DaemonArgs>,
    handler: async (argv) => {
      setExitCode(await run(argv));
    },
  };
}
