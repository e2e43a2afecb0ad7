import path from 'node:path';
import { gitHookRouter, gitSourceRoutes } from '../../api/routers/git-sources-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { GitSourcesRepository } from '../../db/git-sources-repository.js';
import { LocalRunner } from '../../exec/local-runner.js';
import { ForgeStatus } from '../../own-uploads/git/forge-status.js';
import { GitBuilds } from '../../own-uploads/git/git-builds.js';
import { GitPoller } from '../../own-uploads/git/git-poller.js';
import { GitRemote } from '../../own-uploads/git/git-remote.js';
import { GitSources } from '../../own-uploads/git/git-sources.js';
import { GitTriggers } from '../../own-uploads/git/git-triggers.js';
import { GitSigningKeys } from '../../own-uploads/git/signing-keys.js';
import type { UploaderKeys } from '../../incoming/uploader-keys.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import { createGitPage } from '../../web/ui/git-page.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { PortsPart } from './ports-part.js';

/** The largest upstream tarball the watch layout downloads (uscan's file size limit). */
const ORIG_MAX_BYTES = 1 << 30;

export interface GitPart extends DaemonPart {
  sources: GitSources;
  builds: GitBuilds;
  triggers: GitTriggers;
  poller: GitPoller;
}

export interface GitPartDeps {
  archiveConfig: ArchiveConfig;
  ports: Pick<PortsPart, 'factory' | 'uploader'>;
  /** The uploader keys: a git source's own signing key must be one. */
  uploaderKeys: Pick<UploaderKeys, 'list'>;
  /** The instance key's fingerprint (undefined: not loaded yet). */
  instanceFingerprint(): string | undefined;
  pages: PageKit;
}

const GIT_TIMEOUT_MS = 10 * 60_000;

/**
 * Builds from git: git sources, their webhooks (POST /api/v1/git_hook/<name>), polling,
 * and git builds that make source uploads through the daemon's own uploads. Bare
 * repositories are cached under `<home>/git/`, deploy keys under `<home>/keys/git/`.
 */
export function gitPart(ctx: AppContext, deps: GitPartDeps): GitPart {
  const { clock, events, layout } = ctx;
  const logger = ctx.logger.child({ module: 'git' });
  const runner = new LocalRunner();
  const store = new GitSourcesRepository(ctx.db);
  const remote = new GitRemote({
    runner,
    dir: path.join(layout.root, 'git'),
    timeoutMs: GIT_TIMEOUT_MS,
  });
  const signingKeys = new GitSigningKeys({
    dir: path.join(layout.keys, 'signing'),
    clock,
    instanceFingerprint: deps.instanceFingerprint,
    isUploaderKey: (fingerprint) =>
      deps.uploaderKeys.list().some((k) => k.fingerprint === fingerprint),
  });
  const sources = new GitSources({
    store,
    remote,
    signingKeys,
    config: deps.archiveConfig,
    runner,
    keysDir: path.join(layout.keys, 'git'),
    clock,
    changed: () => poller.changed(),
  });
  const remoteOf = sources.remoteOf.bind(sources);
  const builds = new GitBuilds({
    store,
    remote,
    factory: deps.ports.factory,
    uploader: deps.ports.uploader,
    origMaxBytes: ORIG_MAX_BYTES,
    signingKeys,
    config: deps.archiveConfig,
    events,
    clock,
    logger,
    workRoot: path.join(layout.tmp, 'git'),
    remoteOf,
    shutdown: ctx.shutdown,
  });
  const triggers = new GitTriggers({ store, builds, remote, remoteOf, events, clock });
  const calls = gitSourceRoutes({
    sources,
    builds,
    triggers,
    store,
    publicUrl: ctx.settings.http.publicUrl,
    shutdown: ctx.shutdown,
  });
  const status = new ForgeStatus({
    store,
    events,
    baseUrl: () => ctx.settings.http.publicUrl ?? ctx.localUrl(),
    logger,
    timeoutMs: ctx.settings.notify.webhookTimeoutMs,
  });
  const poller = new GitPoller({
    store,
    triggers,
    clock,
    logger,
    deliveriesDays: ctx.settings.retention.gitDeliveriesDays,
  });
  return {
    name: 'git',
    sources,
    builds,
    triggers,
    poller,
    calls,
    apiRouters: [gitHookRouter({ triggers, logger })],
    routers: [createGitPage({ pages: deps.pages, calls })],
    ui: { nav: [{ href: '/git', label: 'Git', access: 'staff', order: 65 }] },
    start() {
      store.failRunning(clock.now());
      status.start();
      poller.start();
    },
    async stop() {
      await poller.stop();
      await status.stop();
    },
  };
}
