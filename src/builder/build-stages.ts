import { constants } from 'node:fs';
import { chmod, chown, copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseLease } from '../chroot/chroot-service.js';
import { BUILD_USER_ON_HOST, builderEnv } from './build-env.js';
import { EXTRA_APT_KEYRING, type BuildRequest, type ExtraAptSources } from './build-request.js';
import { StageFailure, type BuildSession } from './build-session.js';
import { BUILD_TYPE_OPTION, type BuildType } from './build-type.js';
import type { DscSummary } from './control-files.js';

/** What the stages need to know about the build at hand. */
export interface BuildPlan {
  request: BuildRequest;
  dsc: DscSummary;
  dscName: string;
  type: BuildType;
  lease: BaseLease;
  /** The build folder on the host, mounted at /build in the sandbox. */
  buildDir: string;
}

/** Copies the .dsc and the files it lists into the build folder. */
export async function fetchSource(plan: BuildPlan, session: BuildSession): Promise<void> {
  const from = path.dirname(plan.request.dsc);
  for (const name of [plan.dscName, ...plan.dsc.files.map((f) => f.name)]) {
    const target = path.join(plan.buildDir, name);
    try {
      await copyFile(path.join(from, name), target, constants.COPYFILE_FICLONE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new StageFailure(`${name}, listed in ${plan.dscName}, is missing from ${from}`);
    }
    // The build user reads them (the incoming keeps uploads readable to the daemon only).
    await chmod(target, 0o644);
    session.write(`${name}\n`);
  }
  await chown(plan.buildDir, BUILD_USER_ON_HOST.uid, BUILD_USER_ON_HOST.gid);
}

const SOURCES_FILE = '/etc/apt/sources.list.d/debyard-archive.sources';

/**
 * Installs the build dependencies with apt in two steps. The download is the only step
 * with network, and that only to the sandbox's apt sources; its packages go into the
 * shared cache before anything from them runs. The installation (maintainer scripts of
 * the build dependencies, which may come from the repository's own uploads) has no
 * network at all. A download that fails (the base's package lists may be older than the
 * mirror) is retried once after `apt-get update`.
 */
export async function installDependencies(plan: BuildPlan, session: BuildSession): Promise<void> {
  const { extraApt } = plan.request;
  if (extraApt) {
    await writeAptSources(session, extraApt);
    const onlyThese = [
      '-o',
      `Dir::Etc::SourceList=${SOURCES_FILE}`,
      '-o',
      'Dir::Etc::SourceParts=-',
    ];
    await session.must(
      ['apt-get', 'update', ...onlyThese, '-o', 'APT::Get::List-Cleanup=0'],
      { as: 'root', network: true },
      'apt-get update of the extra apt sources failed',
    );
  }
  const typeOption = { binary: [], any: ['--arch-only'], all: ['--indep-only'] }[plan.type];
  const buildDep = ['build-dep', '-y', ...typeOption, `/build/${plan.dscName}`];
  const download = () =>
    session.run(['apt-get', '--download-only', ...buildDep], { as: 'root', network: true });
  let fetched = await download();
  if (fetched.exitCode !== 0) {
    session.write('Download failed; updating the package lists and trying again.\n');
    await session.must(
      ['apt-get', 'update'],
      { as: 'root', network: true },
      'apt-get update failed',
    );
    fetched = await download();
    if (fetched.exitCode !== 0)
      throw new StageFailure('the build dependencies cannot be downloaded');
  }
  if (NOTHING_TO_INSTALL.test(fetched.stdout)) return;
  await session.keepDownloads();
  await session.must(
    ['apt-get', ...buildDep],
    { as: 'root' },
    'the build dependencies cannot be installed',
  );
}

/** Puts the extra apt sources (and their key and pinning) into the sandbox's apt. */
export async function writeAptSources(
  session: BuildSession,
  extraApt: ExtraAptSources,
): Promise<void> {
  if (extraApt.key) await writeInside(session, EXTRA_APT_KEYRING, extraApt.key);
  await writeInside(session, SOURCES_FILE, extraApt.sources);
  if (extraApt.preferences) {
    await writeInside(session, '/etc/apt/preferences.d/debyard-archive', extraApt.preferences);
  }
}

/** apt-get's summary when every build dependency is installed already (C locale). */
const NOTHING_TO_INSTALL = /^0 upgraded, 0 newly installed, 0 to remove\b/m;

async function writeInside(session: BuildSession, file: string, content: string): Promise<void> {
  await session.must(
    ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'write', file],
    { as: 'root', input: content, quiet: true },
    `cannot write ${file}`,
  );
  session.write(`wrote ${file}\n`);
}

/** The folder the source is unpacked into: /build/<source>-<upstream version>. */
export function sourceDir(dsc: DscSummary): string {
  return `/build/${dsc.source}-${dsc.upstreamVersion}`;
}

export async function unpackSource(plan: BuildPlan, session: BuildSession): Promise<void> {
  await session.must(
    ['dpkg-source', '--no-copy', '-x', `/build/${plan.dscName}`, sourceDir(plan.dsc)],
    { as: 'builder', cwd: '/build' },
    `dpkg-source cannot unpack ${plan.dscName}`,
  );
}

/** Runs dpkg-buildpackage on a terminal, without network; returns its time in ms. */
export async function buildBinaries(plan: BuildPlan, session: BuildSession): Promise<number> {
  const argv = [
    'dpkg-buildpackage',
    '--no-sign',
    BUILD_TYPE_OPTION[plan.type],
    `--changes-option=-DDistribution=${plan.request.distribution}`,
  ];
  const result = await session.must(
    argv,
    {
      as: 'builder',
      cwd: sourceDir(plan.dsc),
      pty: true,
      env: builderEnv(plan.request.debBuildOptions),
    },
    'dpkg-buildpackage failed',
  );
  return result.durationMs;
}
