/** Where a command writes; injected so tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** The user's home folder, for ~/.config/debyard/config. */
  userHome: string;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    userHome: process.env.HOME ?? '/root',
  };
}
