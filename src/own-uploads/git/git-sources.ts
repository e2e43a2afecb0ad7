import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { GitSourceRecord } from './git-source-records.js';
import { checkResult, type CommandRunner } from '../../exec/command.js';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError, type Problem } from '../../shared/errors.js';
import type { GitRemote, GitRemoteSource } from './git-remote.js';
import { DEFAULT_UPSTREAM_TAG, origUrlPrefix, upstreamTagPatternProblem } from './dep14-layout.js';
import { refNameProblem } from './ref-patterns.js';
import type { GitSigningKeys } from './signing-keys.js';

/** What an admin gives to add a git source; the optional parts have defaults. */
export type NewSourceInput = Pick<
  GitSourceRecord,
  | 'name'
  | 'url'
  | 'tags'
  | 'branches'
  | 'distribution'
  | 'layout'
  | 'pollMinutes'
  | 'createdBy'
  | 'status'
> &
  Partial<Pick<GitSourceRecord, 'upstreamTag' | 'origUrlPrefixes' | 'secret'>> & {
    /** The key to sign its uploads with (default: the instance key). */
    signingKey?: string;
  };

export interface GitSourcesDeps {
  store: GitSourcesRepository;
  remote: Pick<GitRemote, 'forget'>;
  signingKeys: Pick<GitSigningKeys, 'check'>;
  config: Pick<ArchiveConfig, 'resolve'>;
  runner: CommandRunner;
  /** Where the deploy keys of ssh sources live (`<home>/keys/git`). */
  keysDir: string;
  clock: Clock;
  /** Tells the poller that sources changed. */
  changed(): void;
}

const SSH_URL = /^(ssh:\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

/** How git reaches a URL: over ssh (needs a deploy key), http(s) or git, or a local path. */
export function urlKind(url: string): 'ssh' | 'http' | 'git' | 'path' | undefined {
  if (url.startsWith('-')) return undefined;
  if (SSH_URL.test(url)) return 'ssh';
  if (HTTP_URL.test(url)) return 'http';
  if (/^git:\/\/[^\s]+$/.test(url)) return 'git';
  if (path.isAbsolute(url) && !/[\n\0]/.test(url)) return 'path';
  return undefined;
}

/**
 * The git sources: checked on the way in (a URL git may reach, ref patterns git takes, a
 * distribution the archive has), with a webhook secret and, for ssh URLs, a deploy key
 * the daemon makes (ed25519, its public half shown to the admin to add to the forge).
 */
export class GitSources {
  constructor(private readonly deps: GitSourcesDeps) {}

  async add(input: NewSourceInput): Promise<GitSourceRecord> {
    const problems = this.problems(input);
    if (problems.length) {
      throw new InvalidInputError(`git source ${input.name} cannot be added`, { problems });
    }
    const signingKey = await this.deps.signingKeys.check(input.signingKey);
    const kind = urlKind(input.url);
    const deployKey = kind === 'ssh' ? await this.makeKey(input.name) : null;
    try {
      const source = this.deps.store.add({
        name: input.name,
        url: input.url,
        tags: input.tags,
        branches: input.branches,
        distribution: input.distribution,
        layout: input.layout,
        upstreamTag: input.upstreamTag ?? DEFAULT_UPSTREAM_TAG,
        origUrlPrefixes: (input.origUrlPrefixes ?? []).map(origUrlPrefix),
        signingKey,
        secret: input.secret ?? randomBytes(24).toString('hex'),
        deployKey,
        pollMinutes: input.pollMinutes,
        createdAt: this.deps.clock.now().toISOString(),
        createdBy: input.createdBy,
        status: input.status,
      });
      this.deps.changed();
      return source;
    } catch (error) {
      if (deployKey) await this.removeKey(input.name);
      throw error;
    }
  }

  list(): GitSourceRecord[] {
    return this.deps.store.list();
  }

  get(name: string): GitSourceRecord {
    return this.deps.store.get(name);
  }

  async remove(name: string): Promise<void> {
    this.deps.store.get(name);
    this.deps.store.remove(name);
    await this.removeKey(name);
    await this.deps.remote.forget({ name });
    this.deps.changed();
  }

  /** How git reaches a source: its URL and deploy key. */
  remoteOf(source: Pick<GitSourceRecord, 'name' | 'url' | 'deployKey'>): GitRemoteSource {
    return {
      name: source.name,
      url: source.url,
      keyFile: source.deployKey ? this.keyFile(source.name) : undefined,
    };
  }

  private problems(input: NewSourceInput): Problem[] {
    const problems: Problem[] = [];
    if (!urlKind(input.url)) {
      problems.push({
        where: 'url',
        message: `${input.url} is not a git URL debyard reaches: give https://…, ssh://… or user@host:path, git://…, or an absolute local path`,
      });
    }
    const tagProblem =
      input.upstreamTag === undefined ? undefined : upstreamTagPatternProblem(input.upstreamTag);
    if (tagProblem) problems.push({ where: 'upstream_tag', message: tagProblem });
    if (
      input.upstreamTag !== undefined &&
      (input.layout === 'native' || input.layout === 'watch')
    ) {
      problems.push({
        where: 'upstream_tag',
        message: `the ${input.layout} layout takes no upstream tag: name --layout upstream-tag or pristine-tar`,
      });
    }
    problems.push(...origPrefixProblems(input));
    if (input.status && !/^https?:\/\/[^\s]+$/.test(input.status.url)) {
      problems.push({
        where: 'status_url',
        message: `${input.status.url} is not an http(s) URL of the forge's API`,
      });
    }
    if (input.tags === null && input.branches.length === 0) {
      problems.push({
        where: 'tags',
        message: 'name a tag pattern (like debian/*) or branches to build',
      });
    }
    for (const [where, pattern] of [
      ...(input.tags === null ? [] : [['tags', input.tags] as const]),
      ...input.branches.map((b) => ['branches', b] as const),
    ]) {
      const problem = refNameProblem(pattern, true);
      if (problem) problems.push({ where, message: problem });
    }
    if (input.distribution !== null) {
      try {
        const target = this.deps.config.resolve(input.distribution);
        if (target.rollback !== null || !target.suite.uploadable) {
          problems.push({
            where: 'distribution',
            message: `${input.distribution} takes no uploads; name an uploadable suite`,
          });
        }
      } catch (error) {
        problems.push({ where: 'distribution', message: (error as Error).message });
      }
    }
    return problems;
  }

  private keyFile(name: string): string {
    return path.join(this.deps.keysDir, name);
  }

  private async makeKey(name: string): Promise<string> {
    const file = this.keyFile(name);
    await fs.mkdir(this.deps.keysDir, { recursive: true, mode: 0o700 });
    await this.removeKey(name);
    const made = await this.deps.runner.run({
      command: 'ssh-keygen',
      args: ['-q', '-t', 'ed25519', '-N', '', '-C', `debyard git source ${name}`, '-f', file],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 30_000,
    });
    checkResult(made, 'making the deploy key (ssh-keygen)');
    return (await fs.readFile(`${file}.pub`, 'utf8')).trim();
  }

  private async removeKey(name: string): Promise<void> {
    for (const file of [this.keyFile(name), `${this.keyFile(name)}.pub`]) {
      if (existsSync(file)) await fs.rm(file, { force: true });
    }
  }
}

/** The watch layout needs orig URL prefixes (each a good one); the others take none. */
function origPrefixProblems(input: NewSourceInput): Problem[] {
  const prefixes = input.origUrlPrefixes ?? [];
  if (input.layout !== 'watch') {
    return prefixes.length
      ? [
          {
            where: 'orig_url_prefix',
            message: 'only the watch layout downloads: name --layout watch',
          },
        ]
      : [];
  }
  if (prefixes.length === 0) {
    return [
      {
        where: 'orig_url_prefix',
        message:
          "the watch layout downloads only from below the URL prefixes you give (debian/watch is the repository's to write, not to choose hosts with): name --orig-url-prefix https://download.example.org/hello/",
      },
    ];
  }
  const problems: Problem[] = [];
  for (const prefix of prefixes) {
    try {
      origUrlPrefix(prefix);
    } catch (error) {
      problems.push({ where: 'orig_url_prefix', message: (error as Error).message });
    }
  }
  return problems;
}
