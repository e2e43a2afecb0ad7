import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkResult, type CommandResult } from '../exec/command.js';
import { lineSplitter } from '../exec/lines.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { ChrootDefinition } from './definition.js';
import type { ChrootKey, ChrootPaths } from './chroot-paths.js';
import { asRoot } from './as-root.js';
import { mmdebstrapArgs, mmdebstrapPhase } from './mmdebstrap.js';
import { treeSourceUris } from './apt-sources.js';
import { hostBinfmt } from './binfmt-system.js';
import { emulator, type Emulator } from './emulation.js';
import { shiftTree } from './id-map.js';
import { allowList } from './mirror-proxy.js';
import { Sandbox } from './sandbox.js';
import { checkSeedTree } from './seed-check.js';
import { detectHostSystem } from '../config/host-system.js';

/** Where a running create or update reports to (the log and the chroot's state). */
export interface Progress {
  phase(text: string): void;
  line(text: string): void;
}

/** How the bases of a codename are made, with the mirror to use. */
export interface ResolvedDefinition {
  definition: ChrootDefinition;
  mirror: string;
}

const APT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  DEBIAN_FRONTEND: 'noninteractive',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
};

const ISOLATED = ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private'];

const UPGRADE = ['apt-get', '-y', '-o', 'Dpkg::Options::=--force-confold', 'dist-upgrade'];

/** The steps of an update; only apt's downloads reach the network (the mirrors). */
const UPDATE_STEPS: readonly { phase: string; argv: string[]; network?: boolean }[] = [
  { phase: 'apt-get update', argv: ['apt-get', 'update'], network: true },
  { phase: 'downloading the upgrades', argv: [...UPGRADE, '--download-only'], network: true },
  { phase: 'apt-get dist-upgrade', argv: UPGRADE },
  { phase: 'cleaning up', argv: ['sh', '-c', 'apt-get clean && apt-cache gencaches'] },
];

/** The file-system work on base trees: create, update, measure, remove. */
export class BaseOperations {
  constructor(
    private readonly runner: LocalRunner,
    private readonly paths: ChrootPaths,
    private readonly emulation: Emulator = emulator(
      detectHostSystem().architecture,
      hostBinfmt(runner),
    ),
  ) {}

  /** Readies the host for the chroot's architecture (emulation.ts); throws what is missing. */
  private async emulate(key: ChrootKey, progress: Progress): Promise<void> {
    await this.emulation.prepare(key.architecture, (text) => progress.phase(text));
  }

  /** Creates a generation with mmdebstrap; returns its path. */
  async create(
    key: ChrootKey,
    generation: number,
    resolved: ResolvedDefinition,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<string> {
    await this.emulate(key, progress);
    const partial = this.paths.partial(key, generation);
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(partial), { recursive: true });
    const args = mmdebstrapArgs({ ...resolved, architecture: key.architecture, target: partial });
    progress.line(`mmdebstrap ${args.map(quoteForLog).join(' ')}`);
    const lines = lineSplitter((line) => {
      progress.line(line);
      const phase = mmdebstrapPhase(line);
      if (phase) progress.phase(phase);
    });
    await this.building(partial, async () => {
      // In its own mount and pid namespaces: its mounts and processes cannot outlive it.
      const result = await this.runner
        .run({
          ...asRoot('unshare', [...ISOLATED, '--', 'mmdebstrap', ...args]),
          signal,
          onOutput: (text) => lines.push(text),
        })
        .finally(() => lines.flush());
      checkResult(result, `mmdebstrap for ${key.codename}/${key.architecture}`);
      await this.setUp(partial, resolved.definition.setupScripts, progress, signal);
    });
    return this.promote(key, generation);
  }

  /** Gives a new tree to the sandbox ids, then runs the setup scripts in it, in a sandbox. */
  private async setUp(
    tree: string,
    scripts: readonly string[],
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    progress.phase('giving the tree to the sandbox ids');
    await shiftTree(tree);
    const sandbox = await Sandbox.open(
      { tree, mode: 'direct', workDir: tree, mirrors: allowList(await treeSourceUris(tree)) },
      this.runner,
      signal,
    );
    try {
      for (const script of scripts) {
        progress.phase(`running ${path.basename(script)}`);
        // Called as mmdebstrap calls a customize hook: `sh SCRIPT ROOT`, here ROOT is /.
        const text = await readFile(script, 'utf8');
        await this.runLogged(sandbox, ['sh', '-c', text, script, '/'], progress, signal, {
          network: true,
          quiet: true,
        });
      }
    } finally {
      await sandbox.close();
    }
  }

  /**
   * Creates a generation as a copy of an existing base tree (another daemon's, or one
   * kept elsewhere) instead of running mmdebstrap; returns its path.
   */
  async seed(
    key: ChrootKey,
    generation: number,
    from: string,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<string> {
    await this.emulate(key, progress);
    const partial = this.paths.partial(key, generation);
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(partial), { recursive: true });
    await this.building(partial, async () => {
      progress.phase(`copying ${from}`);
      const copy = await this.runner.run({
        ...asRoot('cp', ['-a', '--reflink=auto', '--no-target-directory', from, partial]),
        signal,
      });
      checkResult(copy, `copying ${from}`);
      await checkSeedTree(partial, key, from);
      progress.phase('giving the tree to the sandbox ids');
      await shiftTree(partial);
    });
    return this.promote(key, generation);
  }

  /**
   * Makes generation `to` from a copy of generation `from` and upgrades it with
   * apt-get; builds keep using `from` meanwhile. Returns the new tree's path.
   */
  async update(
    key: ChrootKey,
    from: number,
    to: number,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<string> {
    await this.emulate(key, progress);
    const partial = this.paths.partial(key, to);
    await rm(partial, { recursive: true, force: true });
    await this.building(partial, async () => {
      progress.phase('copying the base');
      const copy = await this.runner.run({
        ...asRoot('cp', ['-a', '--reflink=auto', this.paths.generation(key, from), partial]),
        signal,
      });
      checkResult(copy, 'copying the base chroot');
      await shiftTree(partial); // a base an older daemon made
      const sandbox = await Sandbox.open(
        {
          tree: partial,
          mode: 'direct',
          workDir: partial,
          mirrors: allowList(await treeSourceUris(partial)),
        },
        this.runner,
        signal,
      );
      try {
        for (const step of UPDATE_STEPS) {
          progress.phase(step.phase);
          await this.runLogged(sandbox, step.argv, progress, signal, { network: step.network });
        }
      } finally {
        await sandbox.close();
      }
      await this.pruneAptCache(key, partial, progress, signal);
    });
    return this.promote(key, to);
  }

  /** Drops from the builds' apt cache the packages the updated base can no longer get. */
  private async pruneAptCache(
    key: ChrootKey,
    tree: string,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    const cache = this.paths.aptCache(key);
    if (!existsSync(cache)) return;
    progress.phase('pruning the apt cache of the builds');
    const sandbox = await Sandbox.open(
      {
        tree,
        mode: 'overlay',
        workDir: `${tree}-prune`,
        aptCache: { dir: cache, mode: 'bind' },
      },
      this.runner,
      signal,
    );
    try {
      await this.runLogged(sandbox, ['apt-get', 'autoclean'], progress, signal);
    } finally {
      await sandbox.close();
    }
  }

  /** Bytes used by a tree (du). */
  async size(tree: string): Promise<number> {
    const result = checkResult(
      await this.runner.run({ command: 'du', args: ['-s', '-B1', '--one-file-system', tree] }),
    );
    return Number.parseInt(result.stdout, 10);
  }

  async remove(tree: string): Promise<void> {
    await rm(tree, { recursive: true, force: true });
  }

  /** Removes a base generation and the layers made over it. */
  async removeGeneration(tree: string): Promise<void> {
    const dir = path.dirname(tree);
    const prefix = `${path.basename(tree)}.`;
    const layers = (await readdir(dir).catch(() => [])).filter((name) => name.startsWith(prefix));
    for (const name of layers) await rm(path.join(dir, name), { recursive: true, force: true });
    await rm(tree, { recursive: true, force: true });
  }

  private async runLogged(
    sandbox: Sandbox,
    argv: string[],
    progress: Progress,
    signal: AbortSignal,
    options: { network?: boolean; quiet?: boolean } = {},
  ): Promise<CommandResult> {
    const shown = options.quiet ? argv.slice(0, 2).concat(argv.slice(3)) : argv;
    progress.line(`# ${shown.join(' ')}`);
    const lines = lineSplitter((line) => progress.line(line));
    const result = await sandbox
      .run(
        {
          argv,
          network: options.network,
          env: APT_ENV,
          signal,
          onOutput: (text) => lines.push(text),
        },
        this.runner,
      )
      .finally(() => lines.flush());
    return checkResult(result, shown.join(' '));
  }

  /** Runs the making of a partial generation; a failure leaves no partial tree behind. */
  private async building<T>(partial: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
  }

  private async promote(key: ChrootKey, generation: number): Promise<string> {
    const target = this.paths.generation(key, generation);
    await rm(target, { recursive: true, force: true });
    await rename(this.paths.partial(key, generation), target);
    return target;
  }
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
