import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveConfig, ResolvedDistribution } from '../archive/archive-config.js';
import { formatDistributionName } from '../archive/model/distribution-name.js';
import type { RepositorySpec } from '../archive/model/repository.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import type { Requester } from '../incoming/requester.js';
import type { InternalUploader } from './internal-uploader.js';
import { changelogEntry } from './port-version.js';
import { pickVersion, type PortArchive, type PortOutcome } from './ports.js';
import type { SourceFactory } from './source-factory.js';
import { renderTemplateTree } from './template-tree.js';

export interface KeyringPackagesDeps {
  config: ArchiveConfig;
  archive: Pick<PortArchive, 'uploadProblems'>;
  factory: SourceFactory;
  uploader: InternalUploader;
  /** The instance key: binary public key and fingerprint. */
  key: () => { binary: Uint8Array; fingerprint: string };
  /** `templates/keyring-package`. */
  template: string;
  /** Where the source trees are put together (`<home>/tmp/sources`). */
  workRoot: string;
  identity: string;
  maintainer: { name: string; address: string };
  clock: Clock;
}

/**
 * The keyring package `<identity>-archive-keyring`, made from templates/keyring-package
 * for each distribution of a repository and uploaded into its first uploadable suite
 * (unstable in the default layout). Its source builds two packages: the keyring (the
 * key as /usr/share/keyrings/<identity>-archive-keyring.gpg, and a deb822 file per suite
 * in /usr/share/<identity>-archive-keyring/), and `<identity>-<repo>-apt-source`, which
 * puts the sources into /etc/apt/sources.list.d (lintian allows that only to packages
 * named *-apt-source); installing it makes apt trust and use the repository.
 */
export class KeyringPackages {
  constructor(private readonly deps: KeyringPackagesDeps) {}

  get packageName(): string {
    return `${this.deps.identity}-archive-keyring`;
  }

  /** Builds and uploads the keyring package for every distribution of the repositories. */
  async upload(
    input: { repository?: string; baseUrl: string; requester: Requester },
    signal?: AbortSignal,
  ): Promise<PortOutcome[]> {
    const repos = input.repository
      ? [this.deps.config.repository(input.repository)]
      : this.deps.config.repositories();
    const outcomes: PortOutcome[] = [];
    for (const repo of repos) {
      for (const dist of repo.distributions) {
        const target = this.target(repo, dist.codename);
        outcomes.push(await this.uploadOne(target, input, signal));
      }
    }
    return outcomes;
  }

  /** The first uploadable suite that is not experimental (else the first uploadable). */
  private target(repo: RepositorySpec, codename: string): ResolvedDistribution {
    const layout = this.deps.config.layout(repo.layout);
    const suite =
      layout.suites.find((s) => s.uploadable && !s.experimental) ??
      layout.suites.find((s) => s.uploadable);
    if (!suite) throw new InvalidInputError(`layout ${layout.name} has no uploadable suite`);
    return this.deps.config.resolve(
      formatDistributionName({ codename, repository: repo.id, suite: suite.name, rollback: null }),
    );
  }

  private async uploadOne(
    target: ResolvedDistribution,
    input: { baseUrl: string; requester: Requester },
    signal?: AbortSignal,
  ): Promise<PortOutcome> {
    const source = this.packageName;
    const now = this.deps.clock.now();
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    const version = pickVersion(this.deps.archive, target, source, stamp, null);
    const tree = path.join(this.deps.workRoot, `keyring-${randomBytes(6).toString('hex')}`);
    try {
      await this.writeTree(tree, target, version, input.baseUrl);
      const made = await this.deps.factory.build(
        { tree, codename: target.distribution.codename, source, version },
        signal,
      );
      try {
        return {
          ...(await this.deps.uploader.upload(made, input.requester, signal)),
          distribution: target.name,
        };
      } finally {
        await made.dispose();
      }
    } finally {
      await fs.rm(tree, { recursive: true, force: true });
    }
  }

  private async writeTree(
    tree: string,
    target: ResolvedDistribution,
    version: string,
    baseUrl: string,
  ): Promise<void> {
    const { identity, maintainer } = this.deps;
    const key = this.deps.key();
    const keyringPackage = this.packageName;
    const aptSourcePackage = `${identity}-${target.repository.id}-apt-source`;
    const data = {
      source: keyringPackage,
      keyringPackage,
      aptSourcePackage,
      identity,
      repository: target.repository.id,
      codename: target.distribution.codename,
      enabledSuite: target.name,
      fingerprint: key.fingerprint,
      maintainer: `${maintainer.name} <${maintainer.address}>`,
      maintainerName: maintainer.name,
      year: this.deps.clock.now().getUTCFullYear(),
    };
    await renderTemplateTree(this.deps.template, tree, data);
    await fs.writeFile(
      path.join(tree, 'debian', 'changelog'),
      changelogEntry({
        source: keyringPackage,
        version,
        distribution: target.name,
        lines: [
          `* Keyring package of the debyard daemon ${identity} (key ${key.fingerprint}).`,
          // Its build fails (and it is not installed) if lintian finds errors in it.
          '* DEBYARD_OPTION: lintian-mode=errfail',
        ],
        maintainer: data.maintainer,
        date: this.deps.clock.now(),
      }),
    );
    await fs.mkdir(path.join(tree, 'keyrings'));
    await fs.writeFile(path.join(tree, 'keyrings', `${keyringPackage}.gpg`), key.binary);
    const stanzas = this.sources(target, baseUrl, keyringPackage);
    await fs.mkdir(path.join(tree, 'sources'));
    for (const { dist, text } of stanzas) {
      await fs.writeFile(path.join(tree, 'sources', `${dist}.sources`), text);
    }
    await fs.mkdir(path.join(tree, 'apt-source'));
    await fs.writeFile(
      path.join(tree, 'apt-source', `${aptSourcePackage}.sources`),
      stanzas
        .map(({ dist, text }) => (dist === target.name ? text : `${text}Enabled: no\n`))
        .join('\n'),
    );
  }

  /** One deb822 stanza per suite of the target's codename (no rollbacks). */
  private sources(target: ResolvedDistribution, baseUrl: string, keyringPackage: string) {
    const repo = target.repository.id;
    const { codename, components } = target.distribution;
    return target.layout.suites.map((suite) => {
      const dist = formatDistributionName({
        codename,
        repository: repo,
        suite: suite.name,
        rollback: null,
      });
      const text = [
        `# Suite ${suite.name} of repository ${repo} of the debyard daemon ${this.deps.identity}`,
        'Types: deb deb-src',
        `URIs: ${baseUrl.replace(/\/+$/, '')}/repos/${repo}/`,
        `Suites: ${dist}`,
        `Components: ${components.join(' ')}`,
        `Signed-By: /usr/share/keyrings/${keyringPackage}.gpg`,
        '',
      ].join('\n');
      return { dist, text };
    });
  }
}
