import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { ExternalCommandError } from '../shared/errors.js';
import {
  abortReason,
  DEFAULT_MAX_OUTPUT,
  TailBuffer,
  watchLimits,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
} from './command.js';
import { killProcessTree } from './process-tree.js';

/** A command that is still running. */
export interface RunningCommand {
  pid: number;
  /** Resolves when the command has ended; rejects with the reason when aborted. */
  done: Promise<CommandResult>;
  write(data: string | Uint8Array): void;
  closeInput(): void;
  /** Kills the command and all its descendants. */
  kill(): void;
}

/**
 * Runs commands as child processes of the daemon (child_process, pipes). Without
 * `env`, a command inherits the daemon's environment; with it, it gets exactly that.
 */
export class LocalRunner implements CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult> {
    const running = this.start(spec);
    if (spec.input !== undefined) running.write(spec.input);
    running.closeInput();
    return running.done;
  }

  /** Starts a command and returns at once; standard input stays open until closeInput(). */
  start(spec: CommandSpec): RunningCommand {
    const args = spec.args ?? [];
    if (spec.signal?.aborted) {
      return rejected(spec, abortReason(spec.signal));
    }
    const started = performance.now();
    const child = spawn(spec.command, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const limit = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = { stdout: new TailBuffer(limit), stderr: new TailBuffer(limit) };
    for (const stream of ['stdout', 'stderr'] as const) {
      const decoder = new StringDecoder('utf8');
      child[stream].on('data', (chunk: Buffer) => {
        const text = decoder.write(chunk);
        if (text === '') return;
        out[stream].push(text);
        spec.onOutput?.(text, stream);
      });
    }
    // EPIPE when the command does not read its input is not our failure.
    child.stdin.on('error', () => {});

    // A background process the command left behind may hold its output open: once the
    // command itself has ended, its output is read for a moment longer, then closed.
    const stopReading = () => {
      child.stdout.destroy();
      child.stderr.destroy();
    };
    child.once('exit', () => setTimeout(stopReading, 1000).unref());
    const kill = () => {
      if (child.pid !== undefined && child.exitCode === null) killProcessTree(child.pid);
      else stopReading();
    };
    const limits = watchLimits(spec, kill);
    const done = new Promise<CommandResult>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        limits.dispose();
        reject(spawnError(spec.command, args, error));
      });
      child.once('close', (exitCode, signal) => {
        limits.dispose();
        if (limits.aborted && spec.signal) return reject(abortReason(spec.signal));
        resolve({
          command: spec.command,
          args,
          exitCode,
          signal,
          stdout: out.stdout.toString(),
          stderr: out.stderr.toString(),
          timedOut: limits.timedOut,
          durationMs: performance.now() - started,
        });
      });
    });
    return {
      pid: child.pid ?? -1,
      done,
      write: (data) => void child.stdin.write(data),
      closeInput: () => void child.stdin.end(),
      kill,
    };
  }
}

export function spawnError(
  command: string,
  args: readonly string[],
  error: NodeJS.ErrnoException,
): ExternalCommandError {
  const why =
    error.code === 'ENOENT'
      ? `${command} is not installed or not on PATH`
      : `cannot run ${command}: ${error.message}`;
  return new ExternalCommandError(
    why,
    { command, args, exitCode: null, signal: null },
    { cause: error },
  );
}

function rejected(spec: CommandSpec, reason: Error): RunningCommand {
  const done = Promise.reject(reason);
  done.catch(() => {});
  return { pid: -1, done, write: () => {}, closeInput: () => {}, kill: () => {} };
}
