import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveConfig, ResolvedDistribution } from '../archive/archive-config.js';
import type { Clock } from '../shared/clock.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  type Problem,
} from '../shared/errors.js';
import {
  formatRequester,
  uploadRefusal,
  type KeyRights,
  type Requester,
} from '../incoming/requester.js';
import { fetchSource } from './dsc-fetch.js';
import type { InternalUploader, InternalUploadOutcome } from './internal-uploader.js';
import { changelogEntry, portVersion, type VersionTag } from './port-version.js';
import type { SourceFactory } from './source-factory.js';

/** What ports need to know of the archive. */
export interface PortArchive {
  /** The version of a source in a distribution with the path of its .dsc in the pool. */
  sourceIn(distribution: string, source: string): { version: string; dsc: string } | undefined;
  /** Why an upload of this version to the distribution would be refused (empty: fine). */
  uploadProblems(distribution: string, source: string, version: string): Problem[];
}

export interface PortsDeps {
  config: ArchiveConfig;
  archive: PortArchive;
  /** Which repositories uploader keys may upload to (a port's requester may be a key). */
  keys: KeyRights;
  factory: SourceFactory;
  uploader: InternalUploader;
  clock: Clock;
  /** The changelog trailer name and address of the daemon's own uploads. */
  maintainer: string;
  /** Where port_ext downloads to (`<home>/tmp/sources`). */
  workRoot: string;
  /** port_ext's limits: bytes in all, and time. */
  download: { maxBytes: number; timeoutMs: number };
}

/** One port: the upload made for one target distribution. */
export interface PortOutcome extends InternalUploadOutcome {
  distribution: string;
}

/** Who asked for a port: whom its uploads are for, and the name the changelog gives. */
export interface PortRequest {
  /** The identity the target repositories' upload rules are applied to. */
  requester: Requester;
  /** `asked for by <requestedBy>` in the changelog entry; null: not named. */
  requestedBy: string | null;
}

/**
 * No-change rebuilds of a source for other distributions: the source is unpacked, gets a
 * changelog entry with the target's version (`~<repo><codeversion>+<n>`, the lowest n
 * the target takes) and distribution, is packed again and uploaded into the incoming,
 * from where it is built and installed like any upload. A port is made for whoever asked
 * for it: a target repository that would refuse that requester's own upload is refused
 * before anything is made, and the incoming checks the upload for that requester again.
 */
export class Ports {
  constructor(private readonly deps: PortsDeps) {}

  /** Ports the version of `source` in `from` to each distribution of `to`. */
  async port(
    input: PortRequest & { source: string; from: string; to: readonly string[] },
    signal?: AbortSignal,
  ): Promise<PortOutcome[]> {
    const origin = this.deps.config.resolve(input.from);
    const found = this.deps.archive.sourceIn(input.from, input.source);
    if (!found) throw new NotFoundError(`${input.from} has no source package ${input.source}`);
    const targets = this.targets(input.to, input.requester);
    const from = tagOf(origin);
    const line = `* Port of ${input.source} ${found.version} from ${input.from} (no changes)`;
    return this.each(targets, async (target) => {
      const version = pickVersion(this.deps.archive, target, input.source, found.version, from);
      return this.portOne(
        { ...input, dsc: found.dsc, version, target },
        [`${line}${input.requestedBy ? `, asked for by ${input.requestedBy}` : ''}.`],
        signal,
      );
    });
  }

  /**
   * Downloads a source package over http(s) (a .dsc URL, or a .dsc's text with the URL
   * of its files), checked against the .dsc, and ports it to each distribution of `to`.
   */
  async portFetched(
    input: PortRequest & { url?: string; text?: string; base?: string; to: readonly string[] },
    signal?: AbortSignal,
  ): Promise<PortOutcome[]> {
    this.targets(input.to, input.requester);
    const dir = path.join(this.deps.workRoot, `fetch-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    try {
      const timeout = AbortSignal.timeout(this.deps.download.timeoutMs);
      const fetched = await fetchSource(input, dir, {
        maxBytes: this.deps.download.maxBytes,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return await this.portExternal(
        {
          dsc: fetched.dscPath,
          source: fetched.dsc.source,
          version: fetched.dsc.version,
          origin: fetched.origin,
          to: input.to,
          requester: input.requester,
          requestedBy: input.requestedBy,
        },
        signal,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Ports a .dsc from outside (its files beside it, checked) to each distribution of `to`. */
  async portExternal(
    input: PortRequest & {
      dsc: string;
      source: string;
      version: string;
      origin: string;
      to: readonly string[];
    },
    signal?: AbortSignal,
  ): Promise<PortOutcome[]> {
    const targets = this.targets(input.to, input.requester);
    const line = `* Port of ${input.source} ${input.version} from ${input.origin} (no changes)`;
    return this.each(targets, async (target) => {
      const version = pickVersion(this.deps.archive, target, input.source, input.version, null);
      return this.portOne(
        { source: input.source, dsc: input.dsc, version, target, requester: input.requester },
        [`${line}${input.requestedBy ? `, asked for by ${input.requestedBy}` : ''}.`],
        signal,
      );
    });
  }

  private async portOne(
    input: {
      source: string;
      dsc: string;
      version: string;
      target: ResolvedDistribution;
      requester: Requester;
    },
    lines: string[],
    signal?: AbortSignal,
  ): Promise<PortOutcome> {
    const entry = changelogEntry({
      source: input.source,
      version: input.version,
      distribution: input.target.name,
      lines,
      maintainer: this.deps.maintainer,
      date: this.deps.clock.now(),
    });
    const made = await this.deps.factory.rebuild(
      {
        dsc: input.dsc,
        codename: input.target.distribution.codename,
        entry,
        source: input.source,
        version: input.version,
      },
      signal,
    );
    try {
      return {
        ...(await this.deps.uploader.upload(made, input.requester, signal)),
        distribution: input.target.name,
      };
    } finally {
      await made.dispose();
    }
  }

  /**
   * The targets, each an uploadable suite of a repository that takes the requester's
   * uploads; every problem named at once.
   */
  private targets(names: readonly string[], requester: Requester): ResolvedDistribution[] {
    if (names.length === 0)
      throw new InvalidInputError('name at least one distribution to port to');
    const problems: Problem[] = [];
    const resolved: ResolvedDistribution[] = [];
    for (const name of new Set(names)) {
      try {
        const target = this.deps.config.resolve(name);
        if (target.rollback !== null) {
          problems.push({ where: name, message: 'is a rollback distribution; port to its suite' });
        } else if (!target.suite.uploadable) {
          problems.push({
            where: name,
            message: `suite ${target.suite.name} takes no uploads (port to an uploadable suite, then migrate)`,
          });
        } else resolved.push(target);
      } catch (error) {
        problems.push({ where: name, message: (error as Error).message });
      }
    }
    if (problems.length) throw new InvalidInputError('cannot port there', { problems });
    const refused = resolved.flatMap((target) => {
      const refusal = uploadRefusal(this.deps.keys, requester, target.repository);
      return refusal ? [{ where: target.name, message: refusal }] : [];
    });
    if (refused.length) {
      throw new PermissionError(`cannot port there for ${formatRequester(requester)}`, {
        problems: refused,
      });
    }
    return resolved;
  }

  /** Runs one port after the other (each is uploaded in turn anyway). */
  private async each(
    targets: readonly ResolvedDistribution[],
    fn: (target: ResolvedDistribution) => Promise<PortOutcome>,
  ): Promise<PortOutcome[]> {
    const outcomes: PortOutcome[] = [];
    for (const target of targets) outcomes.push(await fn(target));
    return outcomes;
  }
}

/**
 * The version of an upload the daemon makes: `version` with the target's suffix and the
 * lowest `+n` (n ≥ 1; 0 for experimental suites) the target takes.
 */
export function pickVersion(
  archive: Pick<PortArchive, 'uploadProblems'>,
  target: ResolvedDistribution,
  source: string,
  version: string,
  from: VersionTag | null,
): string {
  const to = tagOf(target);
  const counters = target.suite.experimental ? [0] : Array.from({ length: 999 }, (_, i) => i + 1);
  let problems: Problem[] = [];
  for (const n of counters) {
    const candidate = portVersion(version, from, to, n);
    problems = archive.uploadProblems(target.name, source, candidate);
    if (problems.length === 0) return candidate;
  }
  throw new ConflictError(`cannot upload ${source} ${version} to ${target.name}`, { problems });
}

export function tagOf(dist: ResolvedDistribution): VersionTag {
  return { repository: dist.repository.id, codeversion: dist.distribution.codeversion };
}
