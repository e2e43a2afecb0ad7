import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { GitBuildRecord, GitSourceRecord, GitTrigger } from './git-source-records.js';
import { parseChangelogHead, parseVersion, rewriteChangelogHead } from '../../debian/index.js';
import type { EventLog } from '../../events/event-log.js';
import type { Requester } from '../../incoming/requester.js';
import type { Clock } from '../../shared/clock.js';
import { describeError, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { InternalUploader } from '../internal-uploader.js';
import type { SourceFactory, TreeOrig } from '../source-factory.js';
import { pickPristineTar, planOrig, PRISTINE_TAR_BRANCH, type OrigPlan } from './dep14-layout.js';
import type { GitRemote, GitRemoteSource } from './git-remote.js';
import { splitRef } from './ref-patterns.js';
import type { GitSigningKeys } from './signing-keys.js';
import { snapshotVersion } from './snapshot-version.js';

export interface GitBuildsDeps {
  store: GitSourcesRepository;
  remote: Pick<
    GitRemote,
    'listRefs' | 'fetch' | 'commitTime' | 'readFile' | 'archive' | 'listFiles' | 'objectId'
  >;
  factory: Pick<SourceFactory, 'fromTree'>;
  uploader: Pick<InternalUploader, 'upload'>;
  signingKeys: Pick<GitSigningKeys, 'signer'>;
  config: Pick<ArchiveConfig, 'resolve'>;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  /** Scratch space for tree archives. */
  workRoot: string;
  /** The largest upstream tarball the watch layout downloads. */
  origMaxBytes: number;
  /** How git reaches a source (its deploy key). */
  remoteOf(source: GitSourceRecord): GitRemoteSource;
  /** Aborted when the daemon stops. */
  shutdown: AbortSignal;
}

/** What a build noted on the way, for its event: refused downloads, the tarball taken. */
type Notes = {
  refused?: string[];
  orig?: { name: string; sha256: string; bytes: number; signatureChecked: boolean };
};

/**
 * From a ref of a git source to an upload: fetch the ref (shallow, into the source's
 * cache), read debian/changelog from the commit, decide version and distribution (a
 * branch gets a snapshot version), make the source package in a sandbox and put it into
 * the incoming, signed by the daemon for the requester; from there it goes the way of
 * every upload. One git build runs at a time; each is a git_builds row and a GIT event.
 */
export class GitBuilds {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: GitBuildsDeps) {}

  /** Builds a ref given by hand (a tag or branch name, or a full ref); waits for it. */
  async buildByHand(
    sourceName: string,
    refName: string,
    requester: Requester,
    signal?: AbortSignal,
  ): Promise<GitBuildRecord> {
    const source = this.deps.store.get(sourceName);
    const refs = await this.deps.remote.listRefs(this.deps.remoteOf(source), signal);
    const ref = [refName, `refs/tags/${refName}`, `refs/heads/${refName}`].find(
      (r) => refs.has(r) && splitRef(r),
    );
    if (!ref) {
      throw new NotFoundError(
        `${source.url} has no tag or branch ${refName} (git ls-remote lists its refs)`,
      );
    }
    const build = this.deps.store.startBuild({ source, ref, trigger: 'manual', at: this.now() });
    return this.queue(build, source, requester, signal);
  }

  /**
   * Starts a build of a pushed ref in the background, unless that commit of the ref was
   * built before (a replayed webhook, a poll after a webhook): then undefined.
   */
  trigger(
    source: GitSourceRecord,
    ref: string,
    commit: string | null,
    trigger: Exclude<GitTrigger, 'manual'>,
    requester: Requester,
  ): GitBuildRecord | undefined {
    if (commit && this.deps.store.builtBefore(source.id, ref, commit)) return undefined;
    const build = this.deps.store.startBuild({ source, ref, trigger, at: this.now() });
    void this.queue(build, source, requester, this.deps.shutdown).catch(() => {});
    return build;
  }

  private queue(
    build: GitBuildRecord,
    source: GitSourceRecord,
    requester: Requester,
    signal?: AbortSignal,
  ): Promise<GitBuildRecord> {
    const next = this.chain.then(() => this.run(build, source, requester, signal));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(
    build: GitBuildRecord,
    source: GitSourceRecord,
    requester: Requester,
    signal?: AbortSignal,
  ): Promise<GitBuildRecord> {
    const { store } = this.deps;
    const remote = this.deps.remoteOf(source);
    let commit: string | null = null;
    const notes: Notes = {};
    try {
      commit = await this.deps.remote.fetch(remote, build.ref, signal);
      store.setRef(source.id, build.ref, commit);
      const earlier =
        build.trigger === 'manual'
          ? undefined
          : store.builtBefore(source.id, build.ref, commit, build.id);
      if (earlier) {
        return this.end(build, {
          commit,
          state: 'skipped',
          error: `commit ${commit.slice(0, 12)} of ${build.ref} was built before (git build ${earlier.id})`,
        });
      }
      store.updateBuild(build.id, { commit }, this.now());
      const outcome = await this.make(remote, source, build, commit, requester, notes, signal);
      return this.end(
        build,
        {
          commit,
          state:
            outcome.state === 'ACCEPTED'
              ? 'uploaded'
              : outcome.state === 'REJECTED'
                ? 'rejected'
                : 'failed',
          package: outcome.source,
          version: outcome.version,
          uploadId: outcome.uploadId,
          error:
            outcome.state === 'PENDING'
              ? 'the incoming did not decide on the upload in time'
              : outcome.reasons.join('; ') || null,
        },
        outcome.distribution,
        notes,
      );
    } catch (error) {
      this.deps.logger.warn('git build failed', { build: build.id, error: describeError(error) });
      this.end(build, { commit, state: 'failed', error: describeError(error) }, undefined, notes);
      throw error;
    }
  }

  private async make(
    remote: GitRemoteSource,
    source: GitSourceRecord,
    { ref, id }: GitBuildRecord,
    commit: string,
    requester: Requester,
    notes: Notes,
    signal?: AbortSignal,
  ) {
    const { deps } = this;
    const short = commit.slice(0, 12);
    const changelog = await deps.remote.readFile(remote, commit, 'debian/changelog', signal);
    if (changelog === undefined) {
      throw new InvalidInputError(
        `commit ${short} of ${ref} has no debian/changelog: the native layout needs the debian/ folder in the tree`,
      );
    }
    const head = parseChangelogHead(changelog, `debian/changelog of ${short}`);
    const distribution = source.distribution ?? head.distributions[0]!;
    if (distribution === 'UNRELEASED') {
      throw new InvalidInputError(
        `debian/changelog of ${short} names UNRELEASED: release the entry (dch -r) or give the git source a distribution`,
      );
    }
    const target = deps.config.resolve(distribution);
    const format = await deps.remote.readFile(remote, commit, 'debian/source/format', signal);
    const plan = planOrig(source.layout, {
      source: head.source,
      version: head.version,
      format,
      upstreamTag: source.upstreamTag,
    });
    const version =
      splitRef(ref)?.kind === 'branch'
        ? snapshotVersion(
            head.version,
            { id: commit, time: await deps.remote.commitTime(remote, commit, signal) },
            {
              repository: target.repository.id,
              codeversion: target.distribution.codeversion,
              experimental: target.suite.experimental,
            },
            // A tree's own upstream tarball needs its own upstream version; a tag's not.
            plan.kind === 'tree',
          )
        : head.version;
    const scratch = path.join(deps.workRoot, `git-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(scratch, { recursive: true, mode: 0o700 });
    try {
      const tarball = path.join(scratch, 'tree.tar');
      await deps.remote.archive(remote, commit, tarball, signal);
      let taken: { name: string; signature: string | null } | undefined;
      const orig: TreeOrig | null =
        plan.kind === 'tree'
          ? { kind: 'tree', upstream: parseVersion(version).upstream }
          : plan.kind === 'none'
            ? null
            : plan.kind === 'watch'
              ? {
                  kind: 'watch',
                  upstream: plan.upstream,
                  prefixes: source.origUrlPrefixes,
                  maxBytes: deps.origMaxBytes,
                  onRefused: (what) => {
                    (notes.refused ??= []).push(what);
                    deps.logger.warn('git build: a download was refused', { build: id, what });
                  },
                  onDownloaded: (file) => (taken = file),
                }
              : await this.upstream(remote, plan, head.source, scratch, signal);
      if (plan.kind === 'watch' && !(await deps.remote.readFile(remote, commit, 'debian/watch'))) {
        throw new InvalidInputError(
          `commit ${short} of ${ref} has no debian/watch: the watch layout downloads the upstream tarball it names`,
        );
      }
      const made = await deps.factory.fromTree(
        {
          archive: {
            tarball,
            changelog: rewriteChangelogHead(changelog, { version, distribution: target.name }),
            orig,
          },
          codename: target.distribution.codename,
          source: head.source,
          version,
        },
        signal,
      );
      if (taken) notes.orig = await describeOrig(path.join(made.dir, taken.name), taken);
      try {
        // With a signing key of its own, the upload is that key's (the incoming sees it).
        const key = source.signingKey;
        return {
          ...(await deps.uploader.upload(
            made,
            key ? { kind: 'key', fingerprint: key } : requester,
            signal,
            key ? await deps.signingKeys.signer(key) : undefined,
          )),
          distribution: target.name,
        };
      } finally {
        await made.dispose();
      }
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * The upstream tarball of a packaging branch: git archive of the upstream tag, written
   * and compressed here (git's own output: no code of the repository runs), or for
   * pristine-tar its delta and the upstream tree, for the sandbox to regenerate it from.
   */
  private async upstream(
    remote: GitRemoteSource,
    plan: Exclude<OrigPlan, { kind: 'none' } | { kind: 'tree' } | { kind: 'watch' }>,
    sourceName: string,
    scratch: string,
    signal?: AbortSignal,
  ): Promise<TreeOrig> {
    const { deps } = this;
    const refs = await deps.remote.listRefs(remote, signal);
    if (!refs.has(plan.tag)) {
      throw new InvalidInputError(
        `${remote.url} has no upstream tag ${plan.tag.slice('refs/tags/'.length)} for upstream version ${plan.upstream} (the source's upstream tag pattern; push the tag, e.g. with gbp import-orig)`,
      );
    }
    const upstreamCommit = await deps.remote.fetch(remote, plan.tag, signal, 'upstream');
    if (plan.kind === 'tag') {
      const tar = path.join(scratch, 'orig.tar');
      await deps.remote.archive(remote, upstreamCommit, tar, signal, { prefix: plan.prefix });
      const file = path.join(scratch, plan.name);
      await pipeline(createReadStream(tar), createGzip({ level: 9 }), createWriteStream(file));
      return { kind: 'file', file, name: plan.name };
    }
    if (!refs.has(PRISTINE_TAR_BRANCH)) {
      throw new InvalidInputError(
        `${remote.url} has no pristine-tar branch: the pristine-tar layout regenerates the upstream tarball from it`,
      );
    }
    const branch = await deps.remote.fetch(remote, PRISTINE_TAR_BRANCH, signal, 'pristine-tar');
    const files = pickPristineTar(
      await deps.remote.listFiles(remote, branch, signal),
      sourceName,
      plan.upstream,
    );
    const id = (await deps.remote.readFile(remote, branch, files.id, signal))?.trim() ?? '';
    const tree = /^[0-9a-f]{40,64}$/.test(id)
      ? await deps.remote.objectId(remote, `${id}^{tree}`, signal)
      : undefined;
    const tagTree = await deps.remote.objectId(remote, `${upstreamCommit}^{tree}`, signal);
    if (!tree || tree !== tagTree) {
      throw new InvalidInputError(
        `pristine-tar's ${files.id} names ${id.slice(0, 40) || 'nothing'}, not the tree of the upstream tag ${plan.tag.slice('refs/tags/'.length)}`,
      );
    }
    const treeTar = path.join(scratch, 'upstream.tar');
    const deltaTar = path.join(scratch, 'delta.tar');
    await deps.remote.archive(remote, tree, treeTar, signal);
    await deps.remote.archive(remote, branch, deltaTar, signal, { paths: [files.delta] });
    return { kind: 'pristine-tar', treeTar, deltaTar, delta: files.delta, name: files.tarball };
  }

  private end(
    build: GitBuildRecord,
    patch: Parameters<GitSourcesRepository['updateBuild']>[1],
    distribution?: string,
    notes: Notes = {},
  ): GitBuildRecord {
    const done = this.deps.store.updateBuild(build.id, patch, this.now());
    const at = done.commit ? ` (${done.commit.slice(0, 12)})` : '';
    const what =
      done.state === 'failed' || done.state === 'skipped'
        ? `${done.state}: ${done.error}`
        : `upload ${done.uploadId} of ${done.package} ${done.version} ${done.state === 'uploaded' ? 'accepted' : 'rejected'}`;
    this.deps.events.emit({
      type: 'GIT',
      message: `git build ${done.id} of ${done.sourceName} ${done.ref}${at}: ${what}`,
      source: done.package,
      version: done.version,
      distribution: distribution ?? null,
      uploadId: done.uploadId,
      details: {
        gitBuild: done.id,
        gitSource: done.sourceName,
        url: done.url,
        ref: done.ref,
        commit: done.commit,
        trigger: done.trigger,
        state: done.state,
        ...(done.error ? { error: done.error } : {}),
        ...notes,
      },
    });
    return done;
  }

  private now(): Date {
    return this.deps.clock.now();
  }
}

/** The upstream tarball uscan downloaded (in the made source's folder): its SHA256. */
async function describeOrig(
  file: string,
  taken: { name: string; signature: string | null },
): Promise<NonNullable<Notes['orig']>> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return {
    name: taken.name,
    sha256: hash.digest('hex'),
    bytes,
    signatureChecked: !!taken.signature,
  };
}
