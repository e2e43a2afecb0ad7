import { constants, existsSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { ResolvedDistribution } from '../archive/archive-config.js';
import { aptPinning, aptSourcesStanza, buildDependencySuites } from '../archive/apt-sources.js';
import { extraSourceApt } from '../archive/extra-sources/extra-source-apt.js';
import { poolDirectory } from '../archive/pool/pool-path.js';
import type {
  BuildRequest,
  ExtraAptSources,
  LintianMode,
  TestModes,
} from '../builder/build-request.js';
import type { ExtraSourceRecord } from '../archive/extra-sources/extra-source-records.js';
import type { BuildView } from './build-records.js';
import type { UploadRecord } from './upload-records.js';
import { NotFoundError } from '../shared/errors.js';
import { readUploadOptions } from './build-plan.js';

/** What builds see of the daemon's own archive (for build dependencies). */
export interface ArchiveAccess {
  resolve(distribution: string): ResolvedDistribution;
  /** Absolute path of a pool file of a repository. */
  poolFile(repository: string, poolPath: string): string;
  /** Whether a distribution is published (apt finds its InRelease). */
  published(repository: string, distribution: string): boolean;
  /** The daemon's base URL as `builder` reaches it, e.g. http://127.0.0.1:8066. */
  baseUrl(builder: string): string;
  /** The archive's armored public key. */
  publicKey(): string;
  /** The Origin of the daemon's Release files (its identity). */
  origin: string;
}

export interface BuildRequestsDeps {
  /** The daemon's home: upload folders are relative to it. */
  home: string;
  /** `<home>/builds`: one folder per build. */
  buildsDir: string;
  archive: ArchiveAccess;
  timeLimitMs: number;
  /** How long a build waits for its apt sources to be published (a new repository's). */
  publishWaitMs?: number;
  /** The extra apt sources of a distribution (none when absent). */
  extraSources?: (distribution: string) => readonly ExtraSourceRecord[];
}

/** Where a build's files are: `<home>/builds/<id>/` with source/, result/ and build.log. */
export interface BuildPaths {
  dir: string;
  source: string;
  resultDir: string;
  logFile: string;
}

/** Turns queued builds into build requests: source folder, apt sources, limits. */
export class BuildRequests {
  constructor(private readonly deps: BuildRequestsDeps) {}

  paths(buildId: number): BuildPaths {
    const dir = path.join(this.deps.buildsDir, String(buildId));
    return {
      dir,
      source: path.join(dir, 'source'),
      resultDir: path.join(dir, 'result'),
      logFile: path.join(dir, 'build.log'),
    };
  }

  /**
   * The request for a build on `builder`. Its source folder holds the upload's files
   * (hard links) and those the .dsc takes from the pool; results of an earlier attempt
   * are removed first.
   */
  async make(
    build: BuildView,
    upload: UploadRecord,
    builder: string,
    signal: AbortSignal,
  ): Promise<BuildRequest> {
    const paths = this.paths(build.id);
    await rm(paths.source, { recursive: true, force: true });
    await rm(paths.resultDir, { recursive: true, force: true });
    await mkdir(paths.source, { recursive: true });
    const target = this.deps.archive.resolve(upload.distribution!);
    await this.linkSources(upload, target, paths.source);
    await this.published(target, signal);
    return {
      id: build.id,
      dsc: path.join(paths.source, upload.dscFile!),
      codename: build.codename,
      architecture: build.architecture,
      archAll: build.archAll,
      distribution: upload.distribution!,
      extraApt: this.extraApt(target, upload, builder),
      lintian: build.lintianMode as LintianMode,
      ...(Object.values(build.testModes).some((mode) => mode !== 'disabled') && {
        tests: build.testModes as Partial<TestModes>,
      }),
      timeLimitMs: this.deps.timeLimitMs,
      // The distribution's own limits; the builder (this host or a peer) has the rest.
      ...(Object.keys(target.distribution.buildLimits).length > 0 && {
        limits: target.distribution.buildLimits,
      }),
      resultDir: paths.resultDir,
      logFile: paths.logFile,
    };
  }

  /** Removes what a build no longer needs once its upload is installed (the log stays). */
  async release(buildId: number): Promise<void> {
    const paths = this.paths(buildId);
    await rm(paths.source, { recursive: true, force: true });
    await rm(paths.resultDir, { recursive: true, force: true });
  }

  /**
   * Build dependencies from the target's own suites, pinned to the upload's priority, and
   * from the extra sources of its distribution, each trusting its own key, at its priority.
   */
  extraApt(target: ResolvedDistribution, upload: UploadRecord, builder: string): ExtraAptSources {
    const { archive } = this.deps;
    const suites = buildDependencySuites(target);
    const priority = readUploadOptions(upload.options).internalAptPriority ?? 1;
    const extra = extraSourceApt(this.deps.extraSources?.(target.name) ?? []);
    const own = {
      sources: aptSourcesStanza({
        baseUrl: archive.baseUrl(builder),
        repository: target.repository.id,
        suites,
        components: target.distribution.components,
        armoredKey: archive.publicKey(),
        types: 'deb',
      }),
      preferences: aptPinning(suites, archive.origin, priority),
    };
    if (extra.sources === '') return own;
    return {
      sources: `${own.sources}\n${extra.sources}`,
      preferences: `${own.preferences}\n${extra.preferences}`,
      ...(extra.auth !== '' && { auth: extra.auth }),
    };
  }

  /**
   * Waits (a while) until the suites builds take dependencies from are published: those
   * of a repository created a moment ago may not be yet, and apt would fail on them.
   */
  private async published(target: ResolvedDistribution, signal: AbortSignal): Promise<void> {
    const repository = target.repository.id;
    const deadline = Date.now() + (this.deps.publishWaitMs ?? 60_000);
    const missing = () =>
      buildDependencySuites(target).filter((d) => !this.deps.archive.published(repository, d));
    while (missing().length > 0 && Date.now() < deadline) {
      await sleep(200, signal);
    }
  }

  private async linkSources(
    upload: UploadRecord,
    target: ResolvedDistribution,
    into: string,
  ): Promise<void> {
    const spool = path.join(this.deps.home, upload.spoolPath);
    for (const file of upload.files) {
      const from = file.inPool
        ? this.poolFile(target, upload.source!, file.name)
        : path.join(spool, file.name);
      await linkOrCopy(from, path.join(into, file.name));
    }
  }

  private poolFile(target: ResolvedDistribution, source: string, name: string): string {
    for (const component of target.distribution.components) {
      const file = this.deps.archive.poolFile(
        target.repository.id,
        `${poolDirectory(component, source)}/${name}`,
      );
      if (existsSync(file)) return file;
    }
    throw new NotFoundError(
      `${name}, which the upload takes from the pool of repository ${target.repository.id}, is not there any more`,
    );
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new NotFoundError(
        `${path.basename(from)} of the upload is missing from ${path.dirname(from)}`,
        {
          cause: error,
        },
      );
    }
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  }
}
