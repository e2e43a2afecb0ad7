import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildMissingRoutes } from '../../api/routers/build-missing-router.js';
import { internalUploadRoutes } from '../../api/routers/internal-uploads-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { ChrootService } from '../../chroot/chroot-service.js';
import { MetaRepository } from '../../db/meta-repository.js';
import { dpkgArchitectureMatcher } from '../../incoming/architecture-matcher.js';
import { AutoPorts } from '../../own-uploads/auto-ports.js';
import { BuildMissing } from '../../own-uploads/build-missing.js';
import { InternalUploader } from '../../own-uploads/internal-uploader.js';
import { KeyringPackages } from '../../own-uploads/keyring-packages.js';
import { portArchive } from '../../own-uploads/port-archive.js';
import { Ports } from '../../own-uploads/ports.js';
import { sourceChrootLease } from '../../own-uploads/source-chroots.js';
import { requesterOf } from '../../incoming/requester.js';
import { SourceFactory } from '../../own-uploads/source-factory.js';
import { TestPackages } from '../../own-uploads/test-packages.js';
import { LocalRunner } from '../../exec/local-runner.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';
import type { IncomingPart } from './incoming-part.js';

export interface PortsPart extends DaemonPart {
  ports: Ports;
  keyring: KeyringPackages;
  testPackages: TestPackages;
  autoPorts: AutoPorts;
  /** Makes source packages in a sandbox (git builds use it too). */
  factory: SourceFactory;
  uploader: InternalUploader;
}

export interface PortsPartDeps {
  archiveConfig: ArchiveConfig;
  archive: ArchivePart;
  incoming: IncomingPart;
  chroots: Pick<ChrootService, 'list' | 'acquire'>;
  /** The host's architecture: its chroot is preferred for making sources. */
  hostArchitecture: string;
}

/**
 * Uploads the daemon makes itself and sends through the pipeline: ports (port,
 * port_ext, the auto-ports upload option), the keyring package and the test packages.
 * Sources are made in a snapshot of a ready base chroot of the target codename. Also
 * build-missing: uploads of what a distribution's suites lack for some architecture.
 */
export function portsPart(ctx: AppContext, deps: PortsPartDeps): PortsPart {
  const { settings, layout, clock, events } = ctx;
  const workRoot = path.join(layout.tmp, 'sources');
  const service = deps.archive.service;
  const factory = new SourceFactory({
    runner: new LocalRunner(),
    workRoot,
    lease: sourceChrootLease(deps.chroots, deps.hostArchitecture),
  });
  const uploader = new InternalUploader({
    area: deps.incoming.area,
    signer: () => deps.archive.signer(),
    events,
    uploads: deps.incoming.uploads,
    decisionTimeoutMs: 120_000,
  });
  const archive = portArchive({
    config: deps.archiveConfig,
    queries: service.queries,
    pool: service.pool,
    uploads: deps.incoming.uploads,
  });
  const email = settings.notify.emailFrom;
  const maintainer = {
    name: `debyard ${settings.identity}`,
    address: /@[^@]*\./.test(email) ? email : `${email}.invalid`,
  };
  const ports = new Ports({
    config: deps.archiveConfig,
    archive,
    keys: deps.incoming.uploaderKeys,
    factory,
    uploader,
    clock,
    maintainer: `${maintainer.name} <${maintainer.address}>`,
    workRoot,
    download: {
      maxBytes: settings.ports.maxDownloadBytes,
      timeoutMs: settings.ports.downloadTimeoutMs,
    },
  });
  const common = {
    config: deps.archiveConfig,
    archive,
    factory,
    uploader,
    workRoot,
    maintainer,
    clock,
  };
  const keyring = new KeyringPackages({
    ...common,
    // Every key that signs: during a rotation's transition, the package ships both.
    key: () => {
      const signer = deps.archive.releaseKeys();
      const fingerprint = signer.keys.map((k) => k.fingerprint).join(', ');
      return { binary: signer.publicKeyBinary(), fingerprint };
    },
    template: path.join(ctx.info.templatesDir, 'keyring-package'),
    identity: settings.identity,
  });
  const testPackages = new TestPackages({
    ...common,
    events,
    templates: path.join(ctx.info.templatesDir, 'test-packages'),
  });
  const buildMissing = new BuildMissing({
    db: ctx.db,
    config: deps.archiveConfig,
    queries: service.queries,
    poolFile: (repo, poolPath) => service.pool.absolute(repo, poolPath),
    uploads: deps.incoming.uploads,
    events,
    clock,
    matcher: dpkgArchitectureMatcher(),
    home: layout.root,
  });
  const meta = new MetaRepository(ctx.db);
  const autoPorts = new AutoPorts({
    events,
    ports,
    autoPortsOf: (id) => {
      const upload = deps.incoming.uploads.get(id);
      const options = upload.options as { autoPorts?: string[] };
      return { to: options.autoPorts ?? [], requester: requesterOf(upload) };
    },
    cursor: {
      get: () =>
        meta.get('autoports.cursor') === undefined
          ? undefined
          : Number(meta.get('autoports.cursor')),
      set: (id) => meta.set('autoports.cursor', String(id)),
    },
    logger: ctx.logger.child({ module: 'ports' }),
  });
  return {
    name: 'ports',
    ports,
    keyring,
    testPackages,
    autoPorts,
    factory,
    uploader,
    calls: [
      ...internalUploadRoutes({
        ports,
        keyring,
        testPackages,
        publicUrl: settings.http.publicUrl,
        shutdown: ctx.shutdown,
      }),
      ...buildMissingRoutes({ buildMissing }),
    ],
    start() {
      // Work folders of a previous run (its sandboxes died with it).
      rmSync(workRoot, { recursive: true, force: true });
      autoPorts.start();
    },
    stop: () => autoPorts.stop(),
  };
}
