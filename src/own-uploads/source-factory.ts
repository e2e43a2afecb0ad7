import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BUILD_USER, BUILD_USER_ON_HOST, builderEnv } from '../builder/build-env.js';
import type { LiveLog } from '../builder/live-log.js';
import { toolLayer } from '../builder/tool-layer.js';
import type { BaseLease } from '../chroot/chroot-service.js';
import { allowList, type MirrorAllowList } from '../chroot/mirror-proxy.js';
import { Sandbox } from '../chroot/sandbox.js';
import { parseChanges, parseDsc, versionWithoutEpoch } from '../debian/index.js';
import { checkResult } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import { InvalidInputError } from '../shared/errors.js';
import { withRegularFile } from '../shared/regular-file.js';
import { downloadOrig, USCAN_LAYER, type Step, type WatchOrig } from './upstream-download.js';

/** A source package made for an internal upload: every file in `dir`, the .changes too. */
export interface MadeSource {
  dir: string;
  source: string;
  version: string;
  dsc: string;
  changes: string;
  /** Every file of the upload (names), the .changes last. */
  files: string[];
  /** Removes `dir`. */
  dispose(): Promise<void>;
}

export interface SourceFactoryDeps {
  runner: LocalRunner;
  /** A lease on a ready base chroot of a codename (any architecture). */
  lease(codename: string): BaseLease;
  /** Where work folders are made (`<home>/tmp/sources`). */
  workRoot: string;
}

const STEP_MS = 10 * 60_000;

type Prepare = (
  work: string,
  run: (argv: string[], cwd: string, stdin?: string) => Promise<string>,
  step: Step,
) => Promise<void>;

/** A tool layer (packages installed over the base, once per base generation). */
type ToolSet = { name: string; packages: readonly string[]; recommends?: boolean };

/** How the prepared tree in /build/src becomes a source package. */
type Pack = 'dpkg-source' | 'dpkg-buildpackage';

/** Where the upstream tarball of a tree from git comes from (3.0 (quilt)). */
export type TreeOrig =
  /** Made in the sandbox from the tree without debian/: `<source>_<upstream>.orig.tar.gz`. */
  | { kind: 'tree'; upstream: string }
  /** A tarball the daemon made on the host (git archive of an upstream tag). */
  | { kind: 'file'; file: string; name: string }
  /**
   * Regenerated in the sandbox by `pristine-tar gentar` from its delta (`deltaTar`: a tar
   * holding the file `delta`) and the upstream tree (`treeTar`, no prefix).
   */
  | { kind: 'pristine-tar'; treeTar: string; deltaTar: string; delta: string; name: string }
  /** Downloaded in the sandbox by uscan as debian/watch says (upstream-download.ts). */
  | WatchOrig;

/** A tree from git: a tar of a commit and the changelog to build it with. */
export interface TreeArchive {
  /** The tar file (git archive) on the host. */
  tarball: string;
  /** debian/changelog to put in place (the version and distribution of this upload). */
  changelog: string;
  /** The upstream tarball (3.0 (quilt)); null: none (a native source). */
  orig: TreeOrig | null;
}

/** The packages of the tool layer pristine-tar runs from (over the target's base). */
const PRISTINE_TAR_LAYER = { name: 'pristinetar', packages: ['pristine-tar'] } as const;

/**
 * Makes source packages with dpkg-source and dpkg-genchanges inside a snapshot of the
 * target codename's base chroot, as the unprivileged build user without network: the
 * input of a port may come from anywhere (port_ext), and unpacking a hostile source
 * package there can harm nothing; the tools are the target release's own. The results
 * are copied out only if they are regular files, into a folder of the daemon's own.
 */
export class SourceFactory {
  constructor(private readonly deps: SourceFactoryDeps) {}

  /** Unpacks a .dsc (its files beside it), puts `entry` on top of its changelog, repacks. */
  rebuild(
    input: { dsc: string; codename: string; entry: string; source: string; version: string },
    signal?: AbortSignal,
  ): Promise<MadeSource> {
    return this.make(input, signal, async (work, run) => {
      const text = await fs.readFile(input.dsc, 'utf8');
      const dsc = parseDsc(text, path.basename(input.dsc));
      for (const name of [path.basename(input.dsc), ...dsc.files.map((f) => f.name)]) {
        await fs.copyFile(path.join(path.dirname(input.dsc), name), path.join(work, name));
        // Pool files are the daemon's own; the build user only needs to read the copies.
        await fs.chmod(path.join(work, name), 0o644);
      }
      await fs.chown(work, BUILD_USER_ON_HOST.uid, BUILD_USER_ON_HOST.gid);
      await run(['dpkg-source', '-x', path.basename(input.dsc), 'src'], '/build');
      await run(
        [
          'sh',
          '-c',
          '{ cat; cat debian/changelog; } > ../changelog.new && mv ../changelog.new debian/changelog',
        ],
        '/build/src',
        input.entry,
      );
    });
  }

  /** Packs a source tree the daemon generated (debian/ with its changelog written). */
  build(
    input: { tree: string; codename: string; source: string; version: string },
    signal?: AbortSignal,
  ): Promise<MadeSource> {
    return this.make(input, signal, async (work) => {
      await fs.cp(input.tree, path.join(work, 'src'), { recursive: true });
      await chownTree(work);
    });
  }

  /**
   * Unpacks a tree from git in the sandbox (as the build user: its symlinks and names
   * reach nothing of the host), puts the given changelog in place and runs
   * `dpkg-buildpackage -S -nc`: a git tree is clean, so debian/rules is not run at all.
   */
  fromTree(
    input: { archive: TreeArchive; codename: string; source: string; version: string },
    signal?: AbortSignal,
  ): Promise<MadeSource> {
    const { archive } = input;
    const orig = archive.orig;
    let origName = orig && orig.kind !== 'tree' && orig.kind !== 'watch' ? orig.name : '';
    return this.make(
      input,
      signal,
      async (work, run, step) => {
        await this.copyIn(archive.tarball, path.join(work, 'tree.tar'));
        if (orig?.kind === 'file') await this.copyIn(orig.file, path.join(work, orig.name));
        if (orig?.kind === 'pristine-tar') {
          await this.copyIn(orig.treeTar, path.join(work, 'upstream.tar'));
          await this.copyIn(orig.deltaTar, path.join(work, 'delta.tar'));
        }
        await fs.chown(work, BUILD_USER_ON_HOST.uid, BUILD_USER_ON_HOST.gid);
        if (orig?.kind === 'pristine-tar') {
          // The delta comes from the repository: pristine-tar reads it here, not on the host.
          await run(
            [
              'sh',
              '-c',
              'mkdir pt upstream && tar -xf delta.tar -C pt && tar -xf upstream.tar -C upstream && rm delta.tar upstream.tar && cd upstream && pristine-tar gentar "../pt/$1" "../$2" && cd .. && rm -rf pt upstream',
              'gentar',
              orig.delta,
              orig.name,
            ],
            '/build',
          );
        }
        if (orig?.kind === 'watch') origName = await downloadOrig(input.source, orig, work, step);
        // A packaging branch may hold debian/ only: the upstream tree goes under it.
        const unpackOrig = origName ? `tar -xf "$1" -C src --strip-components=1 && ` : '';
        await run(
          [
            'sh',
            '-c',
            `mkdir src && ${unpackOrig}tar -xf tree.tar -C src && rm tree.tar`,
            'unpack',
            origName,
          ],
          '/build',
        );
        await run(
          ['sh', '-c', 'rm -f debian/changelog && cat > debian/changelog'],
          '/build/src',
          archive.changelog,
        );
        if (orig?.kind === 'tree') {
          const dir = `${input.source}-${orig.upstream}`;
          const name = `${input.source}_${orig.upstream}.orig.tar.gz`;
          // The same tree always makes the same bytes: sorted, fixed times and owners.
          await run(
            [
              'sh',
              '-c',
              'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=./debian --transform "s,^\\.,$1," -cf - . | gzip -n9 > "../$2"',
              'orig',
              dir,
              name,
            ],
            '/build/src',
          );
        }
      },
      'dpkg-buildpackage',
      orig?.kind === 'pristine-tar'
        ? PRISTINE_TAR_LAYER
        : orig?.kind === 'watch'
          ? USCAN_LAYER
          : undefined,
      orig?.kind === 'watch'
        ? allowList(orig.prefixes, "the git source's orig URL prefixes")
        : undefined,
    );
  }

  /** Copies a file of the daemon's into the work folder, readable by the build user. */
  private async copyIn(from: string, to: string): Promise<void> {
    await fs.copyFile(from, to);
    await fs.chmod(to, 0o644);
  }

  private async make(
    input: { codename: string; source: string; version: string },
    signal: AbortSignal | undefined,
    prepare: Prepare,
    pack: Pack = 'dpkg-source',
    tools?: ToolSet,
    mirrors?: MirrorAllowList,
  ): Promise<MadeSource> {
    const base = path.join(this.deps.workRoot, randomBytes(6).toString('hex'));
    const work = path.join(base, 'build');
    const out = path.join(base, 'out');
    await fs.mkdir(work, { recursive: true });
    await fs.mkdir(out, { mode: 0o700 });
    const dispose = () => fs.rm(base, { recursive: true, force: true });
    try {
      const where = { base, work, pack, tools, mirrors };
      const changesText = await this.inSandbox(input, where, signal, prepare);
      return await this.collect(input, work, out, changesText, dispose);
    } catch (error) {
      await dispose();
      throw error;
    }
  }

  /** Runs `prepare`, dpkg-source -b and dpkg-genchanges in a sandbox; returns the .changes. */
  private async inSandbox(
    input: { codename: string; source: string; version: string },
    where: { base: string; work: string; pack: Pack; tools?: ToolSet; mirrors?: MirrorAllowList },
    signal: AbortSignal | undefined,
    prepare: Prepare,
  ): Promise<string> {
    const { base, work } = where;
    const lease = this.deps.lease(input.codename);
    let sandbox: Sandbox | undefined;
    try {
      const layers = where.tools
        ? [
            await toolLayer(
              lease,
              where.tools.name,
              where.tools.packages,
              {
                runner: this.deps.runner,
                log: silentLog(),
                signal: signal ?? new AbortController().signal,
              },
              { recommends: where.tools.recommends },
            ),
          ]
        : [];
      sandbox = await Sandbox.open(
        {
          tree: lease.tree,
          layers,
          mode: 'overlay',
          workDir: path.join(base, 'snapshot'),
          binds: [{ source: work, target: '/build' }],
          mirrors: where.mirrors,
        },
        this.deps.runner,
        signal,
      );
      const box = sandbox;
      const step = (argv: string[], cwd: string, stdin?: string, onRefused?: (w: string) => void) =>
        box.run(
          {
            argv,
            cwd,
            user: { uid: BUILD_USER.uid, gid: BUILD_USER.gid },
            env: builderEnv(),
            input: stdin,
            signal,
            timeoutMs: STEP_MS,
            ...(onRefused ? { network: true, onRefused } : {}),
          },
          this.deps.runner,
        );
      const run = async (argv: string[], cwd: string, stdin?: string) =>
        checkResult(await step(argv, cwd, stdin), argv.slice(0, 2).join(' ')).stdout;
      await prepare(work, run, (argv, cwd, onRefused) => step(argv, cwd, undefined, onRefused));
      if (where.pack === 'dpkg-buildpackage') {
        await run(['dpkg-buildpackage', '-S', '-sa', '-us', '-uc', '-d', '-nc'], '/build/src');
        const bare = versionWithoutEpoch(input.version);
        return await run(['cat', `../${input.source}_${bare}_source.changes`], '/build/src');
      }
      await run(['dpkg-source', '-b', 'src'], '/build');
      return await run(['dpkg-genchanges', '-S', '-sa'], '/build/src');
    } finally {
      await sandbox?.close();
      lease.release();
    }
  }

  /** Copies the new .dsc and its files (regular files only) out, writes the .changes. */
  private async collect(
    input: { source: string; version: string },
    work: string,
    out: string,
    changesText: string,
    dispose: () => Promise<void>,
  ): Promise<MadeSource> {
    const bare = versionWithoutEpoch(input.version);
    const dscName = `${input.source}_${bare}.dsc`;
    const dsc = parseDsc(await readRegular(path.join(work, dscName)), dscName);
    if (dsc.version !== input.version) {
      throw new InvalidInputError(
        `dpkg-source made ${dscName} with version ${dsc.version}, not ${input.version}`,
      );
    }
    const changes = `${input.source}_${bare}_source.changes`;
    // dpkg-buildpackage lists a source .buildinfo beside the .dsc's files.
    const listed = parseChanges(changesText, changes).files.map((f) => f.name);
    const names = [...new Set([dscName, ...dsc.files.map((f) => f.name), ...listed])];
    for (const name of names) {
      if (name.includes('/')) throw new InvalidInputError(`${changes} lists ${name}`);
      await copyRegular(path.join(work, name), path.join(out, name));
    }
    await fs.rm(work, { recursive: true, force: true });
    await fs.writeFile(path.join(out, changes), changesText);
    return {
      dir: out,
      source: input.source,
      version: input.version,
      dsc: dscName,
      changes,
      files: [...names, changes],
      dispose,
    };
  }
}

async function readRegular(file: string): Promise<string> {
  return withRegularFile(file, (handle) => handle.readFile('utf8'), {
    notRegular: () => {
      throw new InvalidInputError(`${file} is not a file`);
    },
  });
}

async function copyRegular(from: string, to: string): Promise<void> {
  await withRegularFile(from, (source) => fs.writeFile(to, source.createReadStream()), {
    notRegular: () => {
      throw new InvalidInputError(`${path.basename(from)} is not a regular file`);
    },
  });
}

async function chownTree(dir: string): Promise<void> {
  await fs.chown(dir, BUILD_USER_ON_HOST.uid, BUILD_USER_ON_HOST.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full);
    else await fs.lchown(full, BUILD_USER_ON_HOST.uid, BUILD_USER_ON_HOST.gid);
  }
}

/** Making a tool layer prints to a build's log; a source factory has none. */
function silentLog(): LiveLog {
  return { file: '', droppedBytes: 0, write: () => {}, close: () => ({ droppedBytes: 0 }) };
}
