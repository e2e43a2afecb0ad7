import type { Sandbox } from '../chroot/sandbox.js';
import type { CommandResult, CommandRunner } from '../exec/command.js';
import { BUILD_USER, builderEnv, rootEnv } from './build-env.js';
import type { LiveLog } from './live-log.js';

export interface StepOptions {
  as: 'root' | 'builder';
  /** Network (to the sandbox's apt sources only) is given only to apt's downloads. */
  network?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  /** Run on a pseudo-terminal (the build itself). */
  pty?: boolean;
  input?: string;
  /** Leave the command line out of the log. */
  quiet?: boolean;
}

/** A build step that did not succeed; the message is the one-line reason. */
export class StageFailure extends Error {
  override readonly name = 'StageFailure';
}

/** Runs the steps of one build in its sandbox, everything they print going to the log. */
export class BuildSession {
  constructor(
    private readonly sandbox: Sandbox,
    private readonly log: LiveLog,
    private readonly runners: { local: CommandRunner; pty: CommandRunner },
    private readonly signal: AbortSignal,
  ) {}

  async run(argv: readonly string[], options: StepOptions): Promise<CommandResult> {
    const root = options.as === 'root';
    if (!options.quiet) this.log.write(`${root ? '#' : '$'} ${argv.join(' ')}\n`);
    const result = await this.sandbox.run(
      {
        argv,
        user: root ? 'root' : { uid: BUILD_USER.uid, gid: BUILD_USER.gid },
        network: options.network ?? false,
        cwd: options.cwd,
        env: options.env ?? (root ? rootEnv() : builderEnv()),
        signal: this.signal,
        onOutput: (text) => this.log.write(text),
        input: options.input,
      },
      options.pty ? this.runners.pty : this.runners.local,
    );
    if (result.exitCode !== 0) this.log.write(`(${argv[0]}: ${exitText(result)})\n`);
    return result;
  }

  /** Runs a step that must succeed; otherwise fails the stage with `failure` as reason. */
  async must(
    argv: readonly string[],
    options: StepOptions,
    failure: string,
  ): Promise<CommandResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0 || result.timedOut)
      throw new StageFailure(`${failure} (${exitText(result)})`);
    return result;
  }

  /** Takes the packages apt has downloaded so far into the shared apt cache. */
  async keepDownloads(): Promise<void> {
    const kept = await this.sandbox.keepDownloads();
    if (kept > 0) this.log.write(`${kept} downloaded packages kept in the shared apt cache\n`);
  }

  write(text: string): void {
    this.log.write(text);
  }
}

export function exitText(result: CommandResult): string {
  if (result.signal) return `killed by ${result.signal}`;
  return `exit status ${result.exitCode}`;
}
