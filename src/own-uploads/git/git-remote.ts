import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { commandError, type CommandResult, type CommandRunner } from '../../exec/command.js';
import { ExternalCommandError, InvalidInputError } from '../../shared/errors.js';

/** Where a source's remote is and how to reach it. */
export interface GitRemoteSource {
  name: string;
  url: string;
  /** The private deploy key for ssh URLs; undefined: none. */
  keyFile?: string;
}

export interface GitRemoteDeps {
  runner: CommandRunner;
  /** Holds one bare repository per source (`<name>.git`) and the ssh known_hosts files. */
  dir: string;
  timeoutMs: number;
}

/** The largest debian/changelog or debian/source/format read from a commit. */
const MAX_BLOB = 16 * 1024 * 1024;
/** What ls-remote may print (a repository with very many refs is cut short there). */
const MAX_LISTING = 16 * 1024 * 1024;

/**
 * The daemon's side of git: ls-remote, shallow fetches into a cached bare repository per
 * source, and reading from commits (git archive, blobs) — nothing of a commit is checked
 * out or run on the host. Git runs without the host's or user's configuration, never
 * prompts, and speaks only http(s), ssh, git and local paths.
 */
export class GitRemote {
  constructor(private readonly deps: GitRemoteDeps) {}

  /** The refs under refs/tags and refs/heads (annotated tags peeled to their commit). */
  async listRefs(source: GitRemoteSource, signal?: AbortSignal): Promise<Map<string, string>> {
    const out = await this.git(
      source,
      ['ls-remote', '--', source.url, 'refs/tags/*', 'refs/heads/*'],
      `listing the refs of ${source.url}`,
      signal,
      MAX_LISTING,
    );
    const refs = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [commit, ref] = line.split('\t');
      if (!commit || !ref) continue;
      if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), commit);
      else if (!refs.has(ref)) refs.set(ref, commit);
    }
    return refs;
  }

  /**
   * Fetches one ref (shallow) into the source's cache, as `refs/debyard/<as>`; returns
   * the commit it points to.
   */
  async fetch(
    source: GitRemoteSource,
    ref: string,
    signal?: AbortSignal,
    as = 'fetched',
  ): Promise<string> {
    const repo = await this.repository(source);
    await this.git(
      source,
      [
        '-C',
        repo,
        'fetch',
        '--depth=1',
        '--no-tags',
        '--force',
        '--',
        source.url,
        `+${ref}:refs/debyard/${as}`,
      ],
      `fetching ${ref} from ${source.url}`,
      signal,
    );
    return (
      await this.git(
        source,
        ['-C', repo, 'rev-parse', '--verify', `refs/debyard/${as}^{commit}`],
        'reading the fetched commit',
        signal,
      )
    ).trim();
  }

  /** When a fetched commit was committed. */
  async commitTime(source: GitRemoteSource, commit: string, signal?: AbortSignal): Promise<Date> {
    const out = await this.git(
      source,
      ['-C', this.repoPath(source), 'show', '-s', '--format=%ct', commit],
      `reading commit ${commit}`,
      signal,
    );
    return new Date(Number(out.trim()) * 1000);
  }

  /** A file of a fetched commit, as text; undefined if the commit has no such file. */
  async readFile(
    source: GitRemoteSource,
    commit: string,
    file: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const repo = this.repoPath(source);
    const type = await this.deps.runner.run({
      command: 'git',
      args: ['-C', repo, 'cat-file', '-t', `${commit}:${file}`],
      env: this.env(source),
      signal,
    });
    if (type.exitCode !== 0) return undefined;
    if (type.stdout.trim() !== 'blob') {
      throw new InvalidInputError(`${file} of commit ${commit.slice(0, 12)} is not a file`);
    }
    const mode = await this.git(
      source,
      ['-C', repo, 'ls-tree', commit, '--', file],
      `reading ${file}`,
      signal,
    );
    if (mode.startsWith('120000')) {
      throw new InvalidInputError(
        `${file} of commit ${commit.slice(0, 12)} is a symbolic link, not a file`,
      );
    }
    return this.git(
      source,
      ['-C', repo, 'cat-file', 'blob', `${commit}:${file}`],
      `reading ${file}`,
      signal,
      MAX_BLOB,
    );
  }

  /** The names of the files at the top of a fetched commit's tree. */
  async listFiles(source: GitRemoteSource, commit: string, signal?: AbortSignal) {
    const out = await this.git(
      source,
      ['-C', this.repoPath(source), 'ls-tree', '-z', '--name-only', commit],
      `listing the files of ${commit}`,
      signal,
      MAX_LISTING,
    );
    return out.split('\0').filter(Boolean);
  }

  /**
   * Writes the tree of a fetched commit (or a tree id) as a tar file (git archive: no
   * checkout), its paths under `prefix` if given, only `paths` if given.
   */
  async archive(
    source: GitRemoteSource,
    commit: string,
    file: string,
    signal?: AbortSignal,
    options: { prefix?: string; paths?: string[] } = {},
  ) {
    await this.git(
      source,
      [
        '-C',
        this.repoPath(source),
        'archive',
        '--format=tar',
        ...(options.prefix ? [`--prefix=${options.prefix}`] : []),
        `--output=${file}`,
        commit,
        ...(options.paths ? ['--', ...options.paths] : []),
      ],
      `archiving ${commit}`,
      signal,
    );
  }

  /** The full id of an object of the cache (a commit, tree); undefined if it has none. */
  async objectId(source: GitRemoteSource, name: string, signal?: AbortSignal) {
    const result = await this.deps.runner.run({
      command: 'git',
      args: ['-C', this.repoPath(source), 'rev-parse', '--verify', '--quiet', `${name}^{object}`],
      env: this.env(source),
      signal,
      timeoutMs: this.deps.timeoutMs,
    });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  /** Removes a source's cache (when the source goes). */
  async forget(source: Pick<GitRemoteSource, 'name'>): Promise<void> {
    await fs.rm(this.repoPath(source), { recursive: true, force: true });
    await fs.rm(this.knownHosts(source), { force: true });
  }

  private repoPath(source: Pick<GitRemoteSource, 'name'>): string {
    return path.join(this.deps.dir, `${source.name}.git`);
  }

  private knownHosts(source: Pick<GitRemoteSource, 'name'>): string {
    return path.join(this.deps.dir, `${source.name}.known_hosts`);
  }

  private async repository(source: GitRemoteSource): Promise<string> {
    const repo = this.repoPath(source);
    if (!existsSync(path.join(repo, 'HEAD'))) {
      await fs.mkdir(this.deps.dir, { recursive: true, mode: 0o700 });
      await fs.rm(repo, { recursive: true, force: true });
      await this.git(source, ['init', '--quiet', '--bare', repo], 'making the git cache');
    }
    return repo;
  }

  /**
   * ssh's refusals in words an admin can act on: a host key other than the one pinned
   * at first use (StrictHostKeyChecking=accept-new: never overwritten), a deploy key the
   * forge does not take. Other failures as they are.
   */
  private failure(source: GitRemoteSource, result: CommandResult, what: string): Error {
    const error = commandError(result, what);
    const known = this.knownHosts(source);
    const message = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(
      result.stderr,
    )
      ? `${what}: the ssh host key of the forge is not the one debyard pinned on first use in ${known}; refused. If the forge's key really changed, check it and remove the old line from that file`
      : /Permission denied \(publickey/.test(result.stderr)
        ? `${what}: the forge refused the deploy key of git source ${source.name} (Permission denied (publickey)): add the public key git-sources shows to the repository as a read-only deploy key`
        : undefined;
    return message ? new ExternalCommandError(message, error.command, { cause: error }) : error;
  }

  private env(source: GitRemoteSource): Record<string, string> {
    const ssh = [
      'ssh',
      '-o BatchMode=yes',
      '-o StrictHostKeyChecking=accept-new',
      `-o UserKnownHostsFile=${this.knownHosts(source)}`,
      ...(source.keyFile ? ['-o IdentitiesOnly=yes', `-i ${source.keyFile}`] : []),
    ].join(' ');
    return {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: this.deps.dir,
      LC_ALL: 'C.UTF-8',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ALLOW_PROTOCOL: 'http:https:ssh:git:file',
      GIT_SSH_COMMAND: ssh,
    };
  }

  private async git(
    source: GitRemoteSource,
    args: string[],
    what: string,
    signal?: AbortSignal,
    maxOutputBytes?: number,
  ): Promise<string> {
    const result = await this.deps.runner.run({
      command: 'git',
      args,
      env: this.env(source),
      signal,
      timeoutMs: this.deps.timeoutMs,
      maxOutputBytes,
    });
    if (result.exitCode !== 0 || result.timedOut) throw this.failure(source, result, what);
    return result.stdout;
  }
}
