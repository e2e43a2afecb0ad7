import { read } from 'read';

/** Where a command reads and writes; injected so tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** The terminal's width when standard output is one. */
  columns?: number;
  /** The user's home folder, for ~/.config/debyard/config. */
  userHome: string;
  /** Asks on the terminal (not echoing a secret); undefined when there is no terminal. */
  prompt?(question: string, options: { secret: boolean }): Promise<string>;
  /** All of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  /** Ends a followed stream (tests); Ctrl-C ends the process otherwise. */
  signal?: AbortSignal;
  /** Which of `out` and `err` go to a terminal (their text is filtered there; --raw). */
  terminal?: { out: boolean; err: boolean };
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    userHome: process.env.HOME ?? '/root',
    prompt: process.stdin.isTTY
      ? (question, { secret }) =>
          read({
            prompt: question,
            silent: secret,
            replace: secret ? '' : undefined,
            output: process.stderr,
          })
      : undefined,
    terminal: { out: process.stdout.isTTY === true, err: process.stderr.isTTY === true },
    readStdin: async () => {
      let text = '';
      for await (const chunk of process.stdin) text += String(chunk);
      return text;
    },
  };
}
