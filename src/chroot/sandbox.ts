import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  abortReason,
  commandError,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
} from '../exec/command.js';
import type { LocalRunner, RunningCommand } from '../exec/local-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { asRoot } from './as-root.js';
import { HOLDER_SCRIPT } from './sandbox-script.js';

/** A host folder made visible inside the sandbox. */
export interface BindMount {
  source: string;
  /** Absolute path inside the sandbox. */
  target: string;
  readOnly?: boolean;
}

export interface SandboxOptions {
  /** The chroot tree: the read-only lower layer (overlay), or the tree itself (direct). */
  tree: string;
  /** Read-only layers over the tree, topmost first (overlay only): prepared tool sets. */
  layers?: readonly string[];
  /**
   * overlay: a snapshot; every write goes to `workDir` and is gone with the sandbox.
   * direct: writes go to `tree` itself (for updating a new base generation).
   */
  mode: 'overlay' | 'direct';
  /** Scratch folder of the snapshot (created; removed on close). Unused in direct mode. */
  workDir: string;
  binds?: readonly BindMount[];
  hostname?: string;
  /** Keep `workDir` on close (its `upper` then holds every change: a new layer). */
  keepWorkDir?: boolean;
}

/** Who runs a step inside the sandbox. */
export type SandboxUser = 'root' | { uid: number; gid: number };

export interface SandboxStep extends Pick<
  CommandSpec,
  'signal' | 'timeoutMs' | 'onOutput' | 'maxOutputBytes' | 'input'
> {
  argv: readonly string[];
  user?: SandboxUser;
  /** With network the step shares the host's; without, it gets a fresh loopback-only one. */
  network?: boolean;
  /** Working folder inside the sandbox (default /). */
  cwd?: string;
  /** The whole environment of the step (PATH included). */
  env: Readonly<Record<string, string>>;
  /** A host file to hold an exclusive lock on (flock) while the step runs. */
  hostLock?: string;
}

/** PATH for the host tools that enter the sandbox (nsenter, unshare, ip, chroot). */
const HOST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const UNSAFE_PATH = /[,:\s\\]/;

/**
 * One isolated environment: its own mount, pid, uts and ipc namespaces held by a small
 * shell (see sandbox-script.ts), entered with nsenter for each step. Killing the holder
 * ends the pid namespace and with it every process of the sandbox; its mounts vanish
 * with the mount namespace.
 */
export class Sandbox {
  private readonly steps = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    readonly root: string,
    readonly holderPid: number,
    private readonly holder: RunningCommand,
    private readonly options: SandboxOptions,
  ) {}

  /** Mounts the sandbox; resolves once it is ready to run steps. */
  static async open(
    options: SandboxOptions,
    runner: LocalRunner,
    signal?: AbortSignal,
  ): Promise<Sandbox> {
    const lower = [...(options.layers ?? []), options.tree];
    for (const dir of [...lower, options.workDir]) {
      if (UNSAFE_PATH.test(dir)) {
        throw new InvalidInputError(
          `${dir} cannot hold a chroot: overlayfs does not allow commas, colons, backslashes or blanks in its paths`,
        );
      }
    }
    if (options.mode === 'overlay') {
      for (const sub of ['upper', 'work', 'root']) {
        await mkdir(path.join(options.workDir, sub), { recursive: true });
      }
    }
    const binds = (options.binds ?? []).flatMap((b) => [
      b.source,
      b.target,
      b.readOnly ? 'ro' : 'rw',
    ]);
    const args = [
      ...['--mount', '--pid', '--fork', '--uts', '--ipc', '--propagation', 'private'],
      ...['--kill-child', '--', 'sh', '-c', HOLDER_SCRIPT, 'sandbox'],
      ...[options.mode, options.mode === 'overlay' ? lower.join(':') : options.tree],
      ...[options.workDir, options.hostname ?? 'debyard', ...binds],
    ];
    const watcher = readyWatcher();
    const holder = runner.start({
      ...asRoot('unshare', args),
      env: { PATH: HOST_PATH },
      onOutput: watcher.onOutput,
    });
    const root = options.mode === 'overlay' ? path.join(options.workDir, 'root') : options.tree;
    try {
      const pid = await watcher.wait(holder, signal);
      return new Sandbox(root, pid, holder, options);
    } catch (error) {
      holder.kill();
      await holder.done.catch(() => {});
      if (options.mode === 'overlay') await rm(options.workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Runs one step inside the sandbox with the given runner (local or pty). */
  run(step: SandboxStep, runner: CommandRunner): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new Error('sandbox is closed'));
    const enter = ['nsenter', ...this.stepArgs(step)];
    const [command, ...args] = step.hostLock ? ['flock', step.hostLock, ...enter] : enter;
    const promise = runner.run({
      ...asRoot(command!, args),
      env: { PATH: HOST_PATH },
      signal: step.signal,
      timeoutMs: step.timeoutMs,
      onOutput: step.onOutput,
      maxOutputBytes: step.maxOutputBytes,
      input: step.input,
    });
    this.steps.add(promise);
    const forget = () => this.steps.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private stepArgs(step: SandboxStep): string[] {
    const args = [`--target=${this.holderPid}`, '--mount', '--uts', '--ipc', '--pid', '--'];
    if (!step.network) {
      // A fresh network namespace has only a loopback device, and that one is down.
      args.push('unshare', '--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'net');
    }
    const user = step.user ?? 'root';
    if (user !== 'root') {
      args.push('setpriv', '--no-new-privs', '--', 'chroot');
      args.push(`--userspec=${user.uid}:${user.gid}`, `--groups=${user.gid}`);
    } else {
      args.push('chroot');
    }
    const env = Object.entries(step.env).map(([key, value]) => `${key}=${value}`);
    args.push(this.root, '/usr/bin/env', '-i', '-C', step.cwd ?? '/', ...env, ...step.argv);
    return args;
  }

  /** Kills every process in the sandbox at once (the steps then end as killed). */
  kill(): void {
    try {
      process.kill(this.holderPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Ends the sandbox: waits for running steps, ends the namespaces, removes the snapshot. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.steps]);
    this.holder.closeInput();
    const timer = setTimeout(() => this.kill(), 5000);
    await this.holder.done.catch(() => {});
    clearTimeout(timer);
    if (this.options.mode === 'overlay' && !this.options.keepWorkDir) {
      await rm(this.options.workDir, { recursive: true, force: true });
    }
  }
}

/** Watches the holder's output for its "ready <pid>" line. */
function readyWatcher() {
  let output = '';
  let resolveReady!: (pid: number) => void;
  const ready = new Promise<number>((resolve) => (resolveReady = resolve));
  return {
    onOutput: (text: string, stream: 'stdout' | 'stderr') => {
      if (stream !== 'stdout') return;
      output += text;
      const match = /^ready (\d+)$/m.exec(output);
      if (match) resolveReady(Number(match[1]));
    },
    async wait(holder: RunningCommand, signal?: AbortSignal): Promise<number> {
      const ended = holder.done.then((result) => {
        throw commandError(result, 'setting up the chroot sandbox');
      });
      ended.catch(() => {}); // the holder ends normally long after it was ready
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortReason(signal!));
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([ready, ended, aborted]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
