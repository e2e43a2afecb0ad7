import { ExternalCommandError } from '../shared/errors.js';

/** One command to run: argv, environment, limits and where its output goes. */
export interface CommandSpec {
  command: string;
  args?: readonly string[];
  cwd?: string;
  /** The whole environment of the command; nothing is inherited from the daemon. */
  env?: Readonly<Record<string, string>>;
  /** Written to standard input, which is then closed (local runner only). */
  input?: string | Uint8Array;
  /** Aborting kills the whole process tree; run() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** After this long the whole process tree is killed and the result says timedOut. */
  timeoutMs?: number;
  /** Output as it arrives, decoded as UTF-8 (a pty mixes both streams). */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** How much of each stream the result keeps (the tail); 1 MiB by default. */
  maxOutputBytes?: number;
}

/** How a command ended. Failures are data here; checkResult() turns them into errors. */
export interface CommandResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  /** The signal that ended the process, if any (e.g. SIGKILL). */
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Runs commands to completion. Implementations: LocalRunner, PtyRunner (and remote ones). */
export interface CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult>;
}

export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/** Throws ExternalCommandError unless the command exited with status 0. */
export function checkResult(result: CommandResult, what?: string): CommandResult {
  if (result.exitCode === 0 && !result.timedOut) return result;
  throw commandError(result, what);
}

export function commandError(result: CommandResult, what?: string): ExternalCommandError {
  const label = what ?? `${result.command} ${result.args.join(' ')}`.trim();
  const how = result.timedOut
    ? 'was killed after its time limit'
    : result.signal
      ? `was killed by ${result.signal}`
      : `exited with status ${result.exitCode}`;
  const tail = lastLines(result.stderr || result.stdout, 8);
  return new ExternalCommandError(`${label} ${how}${tail ? `:\n${tail}` : ''}`, {
    command: result.command,
    args: result.args,
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail: tail,
  });
}

/** The last `count` non-empty lines of a text. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-count)
    .join('\n');
}

/** Keeps the last `limit` bytes of a stream (roughly: counted in UTF-16 units). */
export class TailBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  toString(): string {
    const text = this.chunks.join('');
    return text.length > this.limit ? text.slice(text.length - this.limit) : text;
  }
}

/** The reason an aborted signal carries, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? 'operation aborted' : String(reason));
  error.name = 'AbortError';
  return error;
}

/** The time limit and abort signal of a running command, both ending in `kill`. */
export interface Limits {
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Stops watching (call when the command has ended). */
  dispose(): void;
}

export function watchLimits(spec: CommandSpec, kill: () => void): Limits {
  const state = { timedOut: false, aborted: false };
  const timer =
    spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          state.timedOut = true;
          kill();
        }, spec.timeoutMs);
  const onAbort = () => {
    state.aborted = true;
    kill();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get timedOut() {
      return state.timedOut;
    },
    get aborted() {
      return state.aborted;
    },
    dispose() {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    },
  };
}
