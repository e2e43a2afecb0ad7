import { hiddenRepositories } from '../../api/hidden-repositories.js';
import { rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { incomingRoutes } from '../../api/routers/incoming-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { ListenAddress } from '../../config/listen-address.js';
import { UploaderKeysRepository } from '../../db/uploader-keys-repository.js';
import { inTransaction } from '../../db/database.js';
import { MetaRepository } from '../../db/meta-repository.js';
import { UploadsRepository } from '../../db/uploads-repository.js';
import { dpkgArchitectureMatcher } from '../../incoming/architecture-matcher.js';
import { EMPTY_ARCHIVE, type ArchiveQueries } from '../../incoming/archive-queries.js';
import {
  CONFIGURED_ARCHITECTURES,
  type BuildableArchitectures,
} from '../../incoming/buildable-architectures.js';
import { dputConf } from '../../incoming/dput-conf.js';
import { startFtpServer, type RunningFtpServer } from '../../incoming/ftp-server.js';
import { readFtpTls } from '../../incoming/ftp-tls.js';
import { IncomingArea } from '../../incoming/incoming-area.js';
import { IncomingFileSystem } from '../../incoming/incoming-file-system.js';
import { IncomingGate } from '../../incoming/incoming-gate.js';
import { IncomingSpace } from '../../incoming/incoming-space.js';
import { UploadChecks } from '../../incoming/upload-checks.js';
import { UploadFolders } from '../../incoming/upload-folders.js';
import { UploadOutcomes } from '../../incoming/upload-outcomes.js';
import { UploadProcessor } from '../../incoming/upload-processor.js';
import { UploaderKeys } from '../../incoming/uploader-keys.js';
import { createVerifier } from '../../pgp/verifier.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface IncomingPart extends DaemonPart {
  /** The incoming folder: the daemon's own uploads (ports, keyring, tests) go in here too. */
  area: IncomingArea;
  uploaderKeys: UploaderKeys;
  uploads: UploadsRepository;
  processor: UploadProcessor;
  /** The admin's pause switch of the FTP incoming. */
  gate: IncomingGate;
  /** Where the FTP incoming listens (the bound port), once started. */
  ftpAddress(): ListenAddress;
}

export interface IncomingPartDeps {
  archiveConfig: ArchiveConfig;
  /** The archive's answers; an empty archive until it is wired in. */
  archive?: ArchiveQueries;
  /** The builders' architectures; the configured ones until builders exist. */
  builders?: BuildableArchitectures;
  /** The instance key, which may upload to every repository (throws until loaded). */
  instanceKey?: () => { armored: string; fingerprint: string };
}

/**
 * The FTP incoming and the upload processor: files arrive over FTP, complete uploads are
 * checked, accepted ones wait in the spool (uploads table, state ACCEPTED) for the
 * scheduler, rejected ones are kept under rejected/ for a while.
 */
export function incomingPart(ctx: AppContext, deps: IncomingPartDeps): IncomingPart {
  const { settings, layout, db, clock } = ctx;
  const partialDir = path.join(layout.tmp, 'ftp');
  // Partial files of a previous run can never complete; clear them before FTP listens.
  rmSync(partialDir, { recursive: true, force: true });
  mkdirSync(partialDir, { recursive: true, mode: 0o750 });
  const area = new IncomingArea(layout.incoming, partialDir);
  const uploads = new UploadsRepository(db);
  const uploaderKeys = new UploaderKeys({
    store: new UploaderKeysRepository(db),
    clock,
    hasRepository: (id) => deps.archiveConfig.hasRepository(id),
    instanceKey: deps.instanceKey,
    repositories: () => deps.archiveConfig.repositories().map((r) => r.id),
  });
  const processor = createProcessor(ctx, deps, { area, uploads, uploaderKeys });
  const gate = new IncomingGate({
    store: new MetaRepository(db),
    transaction: (fn) => inTransaction(db, fn),
    events: ctx.events,
    clock,
  });
  let ftp: RunningFtpServer | undefined;
  const ftpAddress = () => ftp?.address ?? settings.ftp.listen;
  return {
    name: 'incoming',
    area,
    uploaderKeys,
    uploads,
    processor,
    gate,
    ftpAddress,
    calls: incomingRoutes({
      publicUrl: settings.http.publicUrl,
      gate,
      dputConf: (host, name, principal) => ({
        dputConf: dputConf({
          identity: settings.identity,
          ...(name ? { name } : {}),
          host,
          ftpPort: ftpAddress().port,
          repositories: deps.archiveConfig
            .repositories()
            .filter((r) => !hiddenRepositories(deps.archiveConfig, principal).has(r.id)),
        }),
        host,
        port: ftpAddress().port,
      }),
    }),
    async start() {
      ftp = await startIncomingFtp(ctx, area, () => gate.refusal());
      await processor.start(ctx.shutdown);
    },
    async stop() {
      await ftp?.close();
      await processor.stop();
    },
  };
}

function createProcessor(
  ctx: AppContext,
  deps: IncomingPartDeps,
  parts: { area: IncomingArea; uploads: UploadsRepository; uploaderKeys: UploaderKeys },
): UploadProcessor {
  const { settings, layout, db, clock, events } = ctx;
  const { area, uploads, uploaderKeys } = parts;
  return new UploadProcessor({
    area,
    folders: new UploadFolders(layout.root, layout.incoming),
    checker: new UploadChecks({
      config: deps.archiveConfig,
      archive: deps.archive ?? EMPTY_ARCHIVE,
      uploads,
      verifier: createVerifier({ clock }),
      keys: uploaderKeys,
      builders: deps.builders ?? CONFIGURED_ARCHITECTURES,
      matcher: dpkgArchitectureMatcher(),
      aliases: settings.incoming.distributionAliases,
    }),
    outcomes: new UploadOutcomes({ db, uploads, events }),
    knownFolders: (paths) => uploads.recordedSpoolPaths(paths),
    events,
    clock,
    logger: ctx.logger.child({ module: 'incoming' }),
    settings: settings.incoming,
  });
}

function startIncomingFtp(
  ctx: AppContext,
  area: IncomingArea,
  paused: () => string | null,
): Promise<RunningFtpServer> {
  const { ftp } = ctx.settings;
  const logger = ctx.logger.child({ module: 'ftp' });
  const space = new IncomingSpace({
    dir: area.dir,
    maxBytes: ftp.maxIncomingBytes,
    minFreeBytes: ftp.minFreeDiskBytes,
    onRefusal: (reason) => {
      logger.warn('refusing uploads', { reason });
      ctx.events.emit({
        type: 'INCOMING',
        message: `refusing uploads: ${reason}`,
        details: { reason },
      });
    },
  });
  return startFtpServer({
    listen: ftp.listen,
    logger,
    fileSystem: (connection) => new IncomingFileSystem(connection, { area, space, paused, ...ftp }),
    passivePorts: ftp.passivePorts,
    perAddress: { sessions: ftp.maxSessionsPerAddress, passive: ftp.maxPassivePerAddress },
    passiveTimeoutSeconds: ftp.passiveTimeoutSeconds,
    idleTimeoutSeconds: ftp.idleTimeoutSeconds,
    tls: readFtpTls(ftp.tls),
  });
}
