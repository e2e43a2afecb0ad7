import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { Argv, CommandModule } from 'yargs';
import { ApiClient } from '../api/client.js';
import { tokenCreateCall, tokenRevokeCall, whoamiCall } from '../api/specs/tokens.js';
import { writeFileAtomic } from '../shared/atomic-fs.js';
import type { GlobalArgs } from './call-command.js';
import { clientConfigFile, resolveClientConfig } from './client-config.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

interface LoginArgs extends GlobalArgs {
  user?: string;
  password?: string;
  passwordStdin?: boolean;
  name?: string;
}

/** `debyard login`: creates an API token with user and password and stores it (0600). */
export function loginCommand(io: CliIo): CommandModule<GlobalArgs, LoginArgs> {
  return {
    command: 'login',
    describe: 'Log in: create an API token and store it',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .option('user', { type: 'string', describe: 'User name [default: asked]' })
        .option('password', {
          type: 'string',
          describe:
            'Password (visible to other local users in the process list; prefer the prompt or --password-stdin)',
        })
        .option('password-stdin', {
          type: 'boolean',
          describe: 'Read the password from standard input',
        })
        .option('name', { type: 'string', describe: 'Label of the token [default: host name]' })
        .example(
          'debyard login --server http://builds.example.org:8066',
          'asks for user and password',
        )
        .epilogue(
          'The server and the token go to ~/.config/debyard/config (mode 0600); later commands use them.',
        ) as Argv<LoginArgs>,
    handler: async (argv) => {
      const { server } = resolveClientConfig({ server: argv.server }, io);
      const user = argv.user ?? (await ask(io, 'User name: ', false));
      const password = argv.passwordStdin
        ? (await io.readStdin()).replace(/\r?\n$/, '')
        : (argv.password ?? (await ask(io, 'Password: ', true)));
      const client = new ApiClient({ server });
      const created = await client.call(tokenCreateCall, {
        user,
        password,
        name: argv.name ?? `${os.hostname()} (debyard login)`,
      });
      const me = await new ApiClient({ server, token: created.token }).call(whoamiCall, {});
      const file = clientConfigFile(io);
      await updateConfig(file, { server, token: created.token });
      const result = {
        server,
        user: me.user,
        role: me.role,
        tokenId: created.id,
        configFile: file,
      };
      io.out(
        argv.json
          ? JSON.stringify(result, null, 2)
          : `logged in to ${server} as ${me.user} (${me.role}); token ${created.id} stored in ${file}`,
      );
    },
  };
}

/** `debyard logout`: revokes the token in use and removes it from the config file. */
export function logoutCommand(io: CliIo): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'logout',
    describe: 'Log out: revoke the stored API token and forget it',
    handler: async (argv) => {
      const config = resolveClientConfig(argv, io);
      if (!config.token) throw new UsageError('not logged in: there is no token to revoke');
      const client = new ApiClient(config);
      const me = await client.call(whoamiCall, {});
      if (me.tokenId !== null) await client.call(tokenRevokeCall, { id: me.tokenId });
      const file = clientConfigFile(io);
      const removed = await updateConfig(file, { token: undefined }, config.token);
      const result = {
        server: config.server,
        user: me.user,
        revokedTokenId: me.tokenId,
        configFile: removed ? file : null,
      };
      io.out(
        argv.json
          ? JSON.stringify(result, null, 2)
          : `logged out ${me.user} from ${config.server}; token ${me.tokenId} revoked`,
      );
    },
  };
}

async function ask(io: CliIo, question: string, secret: boolean): Promise<string> {
  if (!io.prompt) {
    throw new UsageError('no terminal to ask on: pass --user and --password-stdin (or --password)');
  }
  const answer = (await io.prompt(question, { secret })).trim();
  if (!answer)
    throw new UsageError(`${question.replace(/:\s*$/, '').toLowerCase()} must not be empty`);
  return answer;
}

/**
 * Sets keys of the TOML config file (undefined removes one), keeping the others; the file
 * holds a token, so it is written with mode 0600 in a 0700 folder. With `onlyIfToken`,
 * changes the file only when it holds that token. Returns whether it wrote.
 */
async function updateConfig(
  file: string,
  values: Record<string, string | undefined>,
  onlyIfToken?: string,
): Promise<boolean> {
  let current: Record<string, unknown> = {};
  try {
    current = parseToml(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (onlyIfToken !== undefined && current.token !== onlyIfToken) return false;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete current[key];
    else current[key] = value;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(file), 0o700);
  await writeFileAtomic(file, `${stringifyToml(current)}\n`, { mode: 0o600 });
  return true;
}
