import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import { stanzaArchitectures, type ArchiveQueries } from '../archive/archive-queries.js';
import { formatDistributionName } from '../archive/model/distribution-name.js';
import { inTransaction, type Db } from '../db/database.js';
import type { UploadsRepository } from '../db/uploads-repository.js';
import type { UploadRecord } from '../scheduler/upload-records.js';
import { versionWithoutEpoch } from '../debian/index.js';
import type { EventLog } from '../events/event-log.js';
import type { ArchitectureMatcher } from '../incoming/architecture-matcher.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import {
  findMissingBuilds,
  type HeldSource,
  type MissingBuild,
  type SkippedSource,
} from './missing-builds.js';

export interface BuildMissingDeps {
  db: Db;
  config: Pick<ArchiveConfig, 'repository' | 'layout'>;
  queries: Pick<ArchiveQueries, 'sourcesIn' | 'sourceFiles'>;
  /** Absolute path of a pool file of a repository. */
  poolFile: (repository: string, poolPath: string) => string;
  uploads: Pick<UploadsRepository, 'inFlight' | 'insert'>;
  events: EventLog;
  clock: Clock;
  matcher: ArchitectureMatcher;
  /** The daemon's home: upload folders (`spool/<key>`) are relative to it. */
  home: string;
}

export interface BuildMissingRequest {
  repository: string;
  codename: string;
  /** Only this architecture (one of the distribution's). */
  architecture?: string;
  /** Say what would be built, build nothing. */
  dryRun: boolean;
  /** `user <name> (<role>)`: whom the builds are for. */
  requestedBy: string;
}

export interface BuildMissingResult {
  /** One per source version: its upload (null on a dry run) builds these architectures. */
  scheduled: (MissingBuild & { uploadId: number | null })[];
  skipped: SkippedSource[];
}

/**
 * build-missing: for the source versions a distribution's suites hold, schedules the
 * builds of the architectures that have no binaries of them (an architecture added to
 * the distribution later, a build that failed while its upload installed without it).
 * Each source version becomes one upload the daemon makes: its files linked from the
 * pool into a spool folder, an uploads row ACCEPTED with the architectures to build and
 * its ACCEPTED event; from there the scheduler builds and installs it as any upload (the
 * archive adds the new binaries to the version every suite holding it shares).
 */
export class BuildMissing {
  constructor(private readonly deps: BuildMissingDeps) {}

  async run(request: BuildMissingRequest): Promise<BuildMissingResult> {
    const { config, queries } = this.deps;
    const repository = config.repository(request.repository);
    const distribution = repository.distributions.find((d) => d.codename === request.codename);
    if (!distribution) {
      throw new NotFoundError(
        `repository ${repository.id} has no distribution ${request.codename} (it has ${repository.distributions.map((d) => d.codename).join(', ') || 'none'})`,
      );
    }
    if (request.architecture && !distribution.architectures.includes(request.architecture)) {
      throw new InvalidInputError(
        `${request.codename} of ${repository.id} does not build for ${request.architecture} (it builds for ${distribution.architectures.join(', ')}); add it first: debyard distribution-update ${repository.id} ${request.codename} --architectures ${[...distribution.architectures, request.architecture].join(',')}`,
      );
    }
    const held: HeldSource[] = config.layout(repository.layout).suites.flatMap((suite) => {
      const name = formatDistributionName({
        codename: distribution.codename,
        repository: repository.id,
        suite: suite.name,
        rollback: null,
      });
      return queries.sourcesIn(name).map((row) => ({
        source: row.source,
        version: row.version,
        distribution: name,
        dscArchitectures: stanzaArchitectures(row.stanza),
        binaryArchitectures: row.architectures,
      }));
    });
    const { missing, skipped } = await findMissingBuilds({
      held,
      distribution,
      ...(request.architecture && { only: request.architecture }),
      open: (source, version) => this.deps.uploads.inFlight(repository.id, source, version),
      matcher: this.deps.matcher,
    });
    const scheduled: BuildMissingResult['scheduled'] = [];
    for (const m of missing) {
      const upload = request.dryRun ? null : await this.schedule(repository.id, m, request);
      scheduled.push({ ...m, uploadId: upload?.id ?? null });
    }
    return { scheduled, skipped };
  }

  /** Links the version's source files into a spool folder and records it ACCEPTED. */
  private async schedule(
    repository: string,
    m: MissingBuild,
    request: BuildMissingRequest,
  ): Promise<UploadRecord> {
    const { home, clock } = this.deps;
    const files = this.deps.queries.sourceFiles(repository, m.source, m.version);
    const dsc = files.map((f) => path.posix.basename(f.path)).find((f) => f.endsWith('.dsc'));
    if (!dsc) throw new NotFoundError(`the pool has no .dsc of ${m.source} ${m.version}`);
    const now = clock.now();
    const stem = `${m.source}_${versionWithoutEpoch(m.version)}`;
    const time = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const spoolPath = path.posix.join(
      'spool',
      `${stem}-missing-${time}-${randomBytes(3).toString('hex')}`,
    );
    const folder = path.join(home, spoolPath);
    await mkdir(folder, { recursive: true, mode: 0o750 });
    try {
      for (const f of files) {
        await linkOrCopy(
          this.deps.poolFile(repository, f.path),
          path.join(folder, path.posix.basename(f.path)),
        );
      }
      return this.record({
        state: 'ACCEPTED',
        changesFile: `${stem}_build-missing`,
        source: m.source,
        version: m.version,
        distribution: m.distribution,
        repository,
        codename: request.codename,
        suite: m.distribution.slice(`${request.codename}-${repository}-`.length),
        dscFile: dsc,
        architectures: m.architectures,
        archAll: m.archAll,
        options: {},
        signer: null,
        requestedBy: request.requestedBy,
        changedBy: null,
        files: files.map((f) => ({
          name: path.posix.basename(f.path),
          size: f.size,
          sha256: f.sha256,
        })),
        spoolPath,
        reasons: [],
        receivedAt: now.toISOString(),
        processedAt: now.toISOString(),
      });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  private record(upload: Parameters<UploadsRepository['insert']>[0]): UploadRecord {
    const { db, uploads, events } = this.deps;
    const what = [
      ...(upload.archAll ? [`${upload.architectures[0]}+all`] : [upload.architectures[0]!]),
      ...upload.architectures.slice(1),
    ];
    const [record, stored] = inTransaction(db, () => {
      const record = uploads.insert(upload);
      const stored = events.record({
        type: 'ACCEPTED',
        message: `build-missing for ${upload.requestedBy}: ${record.source} ${record.version} in ${record.distribution} builds for ${what.join(', ')}`,
        source: record.source,
        version: record.version,
        distribution: record.distribution,
        uploadId: record.id,
        details: {
          buildMissing: true,
          architectures: record.architectures,
          archAll: record.archAll,
          requestedBy: record.requestedBy,
          spoolPath: record.spoolPath,
        },
      });
      return [record, stored] as const;
    });
    events.publish(stored);
    return record;
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  }
}
