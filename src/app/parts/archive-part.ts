import { archiveRoutes } from '../../api/routers/archive-router.js';
import { dpkgArchitectureMatcher } from '../../incoming/architecture-matcher.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { createArchiveService, type ArchiveService } from '../../archive/create-archive.js';
import { withReadingThreads } from '../../archive/deb-files.js';
import { debianFormats, debianXz } from '../../archive/debian-formats.js';
import type { ReleaseSigner } from '../../archive/ports.js';
import { republishOnChange } from '../../archive/publish/config-changes.js';
import { ArchiveKeys } from '../../pgp/archive-keys.js';
import type { Signer } from '../../pgp/signer.js';
import { describeError, UnavailableError } from '../../shared/errors.js';
import { readTokenRoutes } from '../../api/routers/read-tokens-router.js';
import { ReadTokensRepository } from '../../db/read-tokens-repository.js';
import { ReadAccess } from '../../web/auth/read-access.js';
import { createReposRouter } from '../../web/repos-router.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface ArchivePart extends DaemonPart {
  service: ArchiveService;
  /** The instance key alone: the primary archive key (available once the part has started). */
  signer: () => Signer;
  /** Every key that signs Release files (the primary, and a rotation's previous key). */
  releaseKeys: () => Signer;
  /** The archive keys: import, rotate, extend, retire. */
  keys: () => ArchiveKeys;
}

const GC_INTERVAL_MS = 10 * 60_000;

/**
 * The archive: the instance key (generated on first start), publishing, the read-only
 * archive calls and `/repos/<repo>/`. At start it reconciles what a crash may have left
 * and publishes every distribution not published yet; then it collects pool garbage
 * every 10 minutes and republishes distributions whose Valid-Until comes near.
 */
export function archivePart(ctx: AppContext, deps: { config: ArchiveConfig }): ArchivePart {
  const logger = ctx.logger.child({ module: 'archive' });
  let loaded: ArchiveKeys | undefined;
  const keys = () => {
    if (!loaded) throw new UnavailableError('the archive is starting; its key is not loaded yet');
    return loaded;
  };
  const signer = () => keys().primarySigner();
  const releaseKeys = () => keys().signer();
  const releaseSigner: ReleaseSigner = {
    clearSign: (text) => releaseKeys().clearSign(text),
    detachSign: (text) => releaseKeys().detachSign(text),
  };
  // Private repositories are read with read tokens (HTTP basic auth).
  const readTokens = new ReadTokensRepository(ctx.db);
  const access = new ReadAccess({
    isPublic: (id) => deps.config.hasRepository(id) && !deps.config.repository(id).private,
    tokens: readTokens,
    clock: ctx.clock,
  });
  // Bulk installs read their packages on worker threads (one per core).
  const formats = withReadingThreads(debianFormats);
  const service = createArchiveService({
    db: ctx.db,
    config: deps.config,
    reposRoot: ctx.layout.repos,
    scratch: ctx.layout.tmp,
    formats,
    xz: debianXz,
    signer: releaseSigner,
    events: ctx.events,
    clock: ctx.clock,
    logger,
    options: {
      identity: ctx.settings.identity,
      byHashRetentionMs: ctx.settings.archive.byHashRetentionMinutes * 60_000,
      releaseValidDays: ctx.settings.archive.releaseValidDays,
      uncompressedIndexBytes: ctx.settings.archive.uncompressedIndexBytes,
    },
  });
  const background = (what: string, work: () => Promise<unknown>) =>
    void work().catch((error) => {
      if (!ctx.shutdown.aborted) logger.error(`${what} failed`, { error: describeError(error) });
    });
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  return {
    name: 'archive',
    service,
    signer,
    releaseKeys,
    keys,
    calls: [
      ...archiveRoutes({
        queries: service.queries,
        config: deps.config,
        publicKey: () => ({
          armored: releaseKeys().publicKeyArmored(),
          fingerprint: releaseKeys().key.fingerprint,
        }),
        publicUrl: ctx.settings.http.publicUrl,
        matcher: dpkgArchitectureMatcher(),
      }),
      ...readTokenRoutes({
        tokens: readTokens,
        config: deps.config,
        clock: ctx.clock,
        publicUrl: ctx.settings.http.publicUrl,
      }),
    ],
    routers: [createReposRouter({ reposRoot: ctx.layout.repos, access })],
    async start() {
      const opened = await ArchiveKeys.open({
        dir: ctx.layout.keys,
        identity: ctx.settings.identity,
        algorithm: 'ed25519',
        clock: ctx.clock,
      });
      loaded = opened.keys;
      if (opened.generated) {
        logger.info('generated the instance key', { fingerprint: loaded.primary().fingerprint });
      }
      // Publishing what is pending (every distribution on a first start) must not hold up
      // the daemon's start.
      const { published } = await service.start(ctx.shutdown);
      background('publishing pending distributions', () => published);
      unsubscribe = republishOnChange(deps.config, (repository) =>
        background('republishing after a configuration change', () =>
          service.configurationChanged(repository, ctx.shutdown),
        ),
      );
      timer = setInterval(() => {
        background('pool garbage collection', () => service.collectGarbage());
        background('refreshing Valid-Until', () => service.refreshExpiring(ctx.shutdown));
      }, GC_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      unsubscribe?.();
      await service.idle();
      await formats.close();
    },
  };
}
