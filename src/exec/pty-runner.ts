import os from 'node:os';
import { spawn as spawnPty } from 'node-pty';
import {
  abortReason,
  DEFAULT_MAX_OUTPUT,
  TailBuffer,
  watchLimits,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
} from './command.js';
import { spawnError } from './local-runner.js';
import { killProcessTree } from './process-tree.js';

export interface PtyRunnerOptions {
  columns?: number;
  rows?: number;
}

/**
 * Runs commands on a pseudo-terminal (node-pty), as a terminal user would: programs
 * line-buffer and print progress as they do interactively. Both output streams arrive
 * together as `stdout`, with line ends normalised to "\n". No input is sent.
 */
export class PtyRunner implements CommandRunner {
  constructor(private readonly options: PtyRunnerOptions = {}) {}

  run(spec: CommandSpec): Promise<CommandResult> {
    const args = spec.args ?? [];
    if (spec.signal?.aborted) return Promise.reject(abortReason(spec.signal));
    const started = performance.now();
    let pty: ReturnType<typeof spawnPty>;
    try {
      pty = spawnPty(spec.command, [...args], {
        name: spec.env?.TERM ?? 'dumb',
        cols: this.options.columns ?? 160,
        rows: this.options.rows ?? 50,
        cwd: spec.cwd,
        env: spec.env ?? (process.env as Record<string, string>),
        encoding: 'utf8',
      });
    } catch (error) {
      return Promise.reject(spawnError(spec.command, args, error as NodeJS.ErrnoException));
    }
    const output = new TailBuffer(spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
    let pendingCr = '';
    pty.onData((raw) => {
      // The terminal turns "\n" into "\r\n"; a run of "\r" may end one chunk and its "\n"
      // start the next.
      let text = pendingCr + raw;
      pendingCr = /\r*$/.exec(text)![0];
      text = text.slice(0, text.length - pendingCr.length).replace(/\r+\n/g, '\n');
      if (text === '') return;
      output.push(text);
      spec.onOutput?.(text, 'stdout');
    });

    let exited = false;
    const limits = watchLimits(spec, () => {
      if (!exited) killProcessTree(pty.pid);
    });

    return new Promise<CommandResult>((resolve, reject) => {
      pty.onExit(({ exitCode, signal }) => {
        exited = true;
        limits.dispose();
        if (pendingCr) {
          output.push(pendingCr);
          spec.onOutput?.(pendingCr, 'stdout');
        }
        if (limits.aborted && spec.signal) return reject(abortReason(spec.signal));
        resolve({
          command: spec.command,
          args,
          exitCode: signal ? null : exitCode,
          signal: signal ? signalName(signal) : null,
          stdout: output.toString(),
          stderr: '',
          timedOut: limits.timedOut,
          durationMs: performance.now() - started,
        });
      });
    });
  }
}

function signalName(signal: number): string {
  const entry = Object.entries(os.constants.signals).find(([, number]) => number === signal);
  return entry?.[0] ?? `signal ${signal}`;
}
