import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  abortReason,
  checkResult,
  commandError,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
} from '../exec/command.js';
import type { LocalRunner, RunningCommand } from '../exec/local-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { keepDownloads, prepareAptCache } from './apt-cache.js';
import { asRoot, asRootNoNewPrivs } from './as-root.js';
import { hostId, ID_MAP_LINE } from './id-map.js';
import { openMirrorAccess } from './mirror-access.js';
import { listLabel, type MirrorAllowList } from './mirror-proxy.js';
import type { ProcessGroup } from './resource-group.js';
import { HOLDER_SCRIPT, SETUP_SCRIPT, syscallNumbers } from './sandbox-script.js';

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
   * direct: writes go to `tree` itself (for making and updating a base generation).
   */
  mode: 'overlay' | 'direct';
  /** Scratch folder of the snapshot (created; removed on close). Unused in direct mode. */
  workDir: string;
  binds?: readonly BindMount[];
  hostname?: string;
  /** Keep `workDir` on close (its `upper` then holds every change: a new layer). */
  keepWorkDir?: boolean;
  /**
   * The apt cache shared by the sandboxes of a base, at /var/cache/apt/archives.
   * overlay (snapshots only): apt sees what is cached, its downloads stay in the
   * snapshot until keepDownloads() takes them; bind: apt reads and writes it.
   */
  aptCache?: { dir: string; mode: 'overlay' | 'bind' };
  /** Where steps with `network` may download from (through the mirror proxy). */
  mirrors?: MirrorAllowList;
  /** The holder and every step join this group (the build's resource limits) first. */
  group?: ProcessGroup;
}

/** Who runs a step inside the sandbox (ids inside it). */
export type SandboxUser = 'root' | { uid: number; gid: number };

export interface SandboxStep extends Pick<
  CommandSpec,
  'signal' | 'timeoutMs' | 'onOutput' | 'maxOutputBytes' | 'input'
> {
  argv: readonly string[];
  user?: SandboxUser;
  /**
   * A sandbox has no network but its own loopback. A step with network reaches the
   * sandbox's mirrors, and only them, through a proxy (http_proxy, https_proxy).
   */
  network?: boolean;
  /** Told of each request the mirror proxy refused (network steps). */
  onRefused?: (what: string) => void;
  /** Working folder inside the sandbox (default /). */
  cwd?: string;
  /** The whole environment of the step (PATH included). */
  env: Readonly<Record<string, string>>;
}

/** PATH for the host tools that enter the sandbox (nsenter, unshare, ip, setpriv). */
const HOST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const UNSAFE_PATH = /[,:\s\\]/;
const APT_CACHE = '/var/cache/apt/archives';

/**
 * One isolated environment. Its root is the sandbox's own uid 0, an unprivileged id on
 * the host (id-map.ts), in user, mount, pid, net, uts and ipc namespaces held by a small
 * shell (see sandbox-script.ts); the snapshot is its root by pivot_root, with no host
 * path left in reach, and its only network is loopback. Each step enters with nsenter
 * under no_new_privs. Killing the holder ends the pid namespace and with it every
 * process of the sandbox; its mounts vanish with its mount namespace.
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
    const cache = options.aptCache;
    for (const dir of [...lower, options.workDir, ...(cache ? [cache.dir] : [])]) {
      if (UNSAFE_PATH.test(dir)) {
        throw new InvalidInputError(
          `${dir} cannot hold a chroot: overlayfs does not allow commas, colons, backslashes or blanks in its paths`,
        );
      }
    }
    if (cache?.mode === 'overlay' && options.mode !== 'overlay') {
      throw new InvalidInputError('an apt cache overlay needs a snapshot (overlay mode)');
    }
    if (options.mode === 'overlay') {
      for (const sub of ['upper', 'work', 'root', 'cache-upper', 'cache-work']) {
        await mkdir(path.join(options.workDir, sub), { recursive: true });
      }
      // The snapshot's root folder and the cache's downloads belong to the sandbox's root.
      for (const sub of ['upper', 'cache-upper']) {
        await chown(path.join(options.workDir, sub), hostId(0), hostId(0));
      }
    }
    if (cache) await prepareAptCache(cache.dir);
    const mounts = [
      ...(options.binds ?? []).flatMap((b) => [b.source, b.target, b.readOnly ? 'ro' : 'rw']),
      ...(cache ? [cache.dir, APT_CACHE, cache.mode === 'overlay' ? 'cache' : 'rw'] : []),
    ];
    const numbers = syscallNumbers();
    const args = [
      ...['--mount', '--propagation', 'private', '--', 'perl', '-e', HOLDER_SCRIPT, '--'],
      ...numbers,
      ...[options.mode, options.mode === 'overlay' ? lower.join(':') : options.tree],
      ...[options.workDir, String(hostId(0)), ...mounts],
    ];
    const watcher = holderWatcher();
    const holder = runner.start({
      ...joined(options, asRoot('unshare', args)),
      cwd: '/',
      env: { PATH: HOST_PATH },
      onOutput: watcher.onOutput,
    });
    const root = options.mode === 'overlay' ? path.join(options.workDir, 'root') : options.tree;
    try {
      const pid = await watcher.wait(holder, signal);
      await writeFile(`/proc/${pid}/uid_map`, ID_MAP_LINE);
      await writeFile(`/proc/${pid}/gid_map`, ID_MAP_LINE);
      const entered = enter(
        pid,
        [
          'perl',
          '-e',
          SETUP_SCRIPT,
          '--',
          ...numbers,
          path.basename(root),
          options.hostname ?? 'debyard',
        ],
        [],
        // Opened by host root through the holder's view, so no host folder is traversed.
        `/proc/${pid}/root${root}`,
      );
      const setup = await runner.run({
        ...joined(options, asRootNoNewPrivs(entered.command, entered.args)),
        env: { PATH: HOST_PATH },
        signal,
      });
      checkResult(setup, 'setting up the chroot sandbox');
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
    const promise = step.network ? this.runWithMirrors(step, runner) : this.runStep(step, runner);
    this.steps.add(promise);
    const forget = () => this.steps.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private async runWithMirrors(step: SandboxStep, runner: CommandRunner): Promise<CommandResult> {
    const mirrors = this.options.mirrors ?? { prefixes: [] };
    const refused = (what: string) => {
      step.onRefused?.(what);
      step.onOutput?.(`debyard: refused ${what}: not ${listLabel(mirrors)}\n`, 'stderr');
    };
    const access = await openMirrorAccess(this.holderPid, mirrors, refused);
    try {
      const proxy = { http_proxy: access.proxyUrl, https_proxy: access.proxyUrl };
      return await this.runStep({ ...step, env: { ...step.env, ...proxy } }, runner);
    } finally {
      await access.close();
    }
  }

  private runStep(step: SandboxStep, runner: CommandRunner): Promise<CommandResult> {
    const user = step.user ?? 'root';
    const ids = user === 'root' ? [] : [`--setuid=${user.uid}`, `--setgid=${user.gid}`];
    const env = Object.entries(step.env).map(([key, value]) => `${key}=${value}`);
    const inside = ['/usr/bin/env', '-i', '-C', step.cwd ?? '/', ...env, ...step.argv];
    const { command, args } = enter(this.holderPid, inside, ids);
    return runner.run({
      ...joined(this.options, asRootNoNewPrivs(command, args)),
      env: { PATH: HOST_PATH },
      signal: step.signal,
      timeoutMs: step.timeoutMs,
      onOutput: step.onOutput,
      maxOutputBytes: step.maxOutputBytes,
      input: step.input,
    });
  }

  /**
   * Takes the packages apt downloaded in this sandbox into the shared apt cache (see
   * keepDownloads); call it only before anything from a package has run in here.
   */
  async keepDownloads(): Promise<number> {
    const cache = this.options.aptCache;
    if (cache?.mode !== 'overlay') return 0;
    return keepDownloads(path.join(this.options.workDir, 'cache-upper'), cache.dir);
  }

  /** Kills every process in the sandbox at once (the steps then end as killed). */
  kill(): void {
    try {
      process.kill(this.holderPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /**
   * Ends the sandbox: waits for running steps, ends the namespaces (every process left
   * in them is dead when this resolves), removes the snapshot.
   */
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

function joined(options: SandboxOptions, command: { command: string; args: string[] }) {
  return options.group?.enter(command) ?? command;
}

/** nsenter into every namespace of the sandbox, as its root or (ids) another user. */
function enter(
  pid: number,
  argv: readonly string[],
  ids: readonly string[] = [],
  wd?: string,
): { command: string; args: string[] } {
  const namespaces = ['--user', '--mount', '--uts', '--ipc', '--net', '--pid'];
  const where = ['--root', wd ? `--wd=${wd}` : '--wd'];
  return {
    command: 'nsenter',
    args: [`--target=${pid}`, ...namespaces, ...where, ...ids, '--', ...argv],
  };
}

/** Watches the holder's output for its "holder <pid>" line. */
function holderWatcher() {
  let output = '';
  let resolveReady!: (pid: number) => void;
  const ready = new Promise<number>((resolve) => (resolveReady = resolve));
  return {
    onOutput: (text: string, stream: 'stdout' | 'stderr') => {
      if (stream !== 'stdout' || output.length > 4096) return;
      output += text;
      const match = /^holder (\d+)$/m.exec(output);
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
