import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { InvalidInputError } from '../shared/errors.js';
import type { CliIo } from './io.js';

export const DEFAULT_SERVER = 'http://localhost:8066';

export interface ClientConfig {
  server: string;
  token?: string;
}

/** `~/.config/debyard/config` (TOML: `server = "…"`, `token = "…"`). */
export function clientConfigFile(io: CliIo): string {
  const base = io.env.XDG_CONFIG_HOME || path.join(io.userHome, '.config');
  return path.join(base, 'debyard', 'config');
}

/**
 * Where the CLI sends calls and with which token: flags, then DEBYARD_SERVER /
 * DEBYARD_TOKEN, then the user's config file, then http://localhost:8066.
 */
export function resolveClientConfig(
  flags: { server?: string; token?: string },
  io: CliIo,
): ClientConfig {
  const file = readConfigFile(clientConfigFile(io));
  const server = flags.server ?? io.env.DEBYARD_SERVER ?? file.server ?? DEFAULT_SERVER;
  const token = flags.token ?? io.env.DEBYARD_TOKEN ?? file.token;
  return token ? { server, token } : { server };
}

function readConfigFile(file: string): Partial<ClientConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = parseToml(text);
    return {
      server: typeof parsed.server === 'string' ? parsed.server : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
    };
  } catch (error) {
    throw new InvalidInputError(`${file} is not valid TOML; fix or remove it`, { cause: error });
  }
}
