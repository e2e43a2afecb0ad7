import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AptResult {
  code: number;
  output: string;
  /** The W: and E: lines of the output. */
  problems: string[];
}

/**
 * Real apt-get with an isolated configuration: its own sources, lists, cache and a
 * throwaway dpkg root, so `apt-get install` installs there and never into the host.
 */
export class IsolatedApt {
  readonly root: string;
  private readonly options: string[];

  /**
   * `dir` is the client's own folder; with `chroot` (a tree with apt, e.g. trixieApt()),
   * `dir` lies inside it and apt-get runs there (`chroot ROOT apt-get …`), so that the
   * tree's apt verifies signatures (apt 3: sqv).
   */
  constructor(
    dir: string,
    private readonly architecture: string,
    private readonly chroot?: string,
  ) {
    this.root = path.join(dir, 'root');
    for (const sub of [
      'etc/apt/sources.list.d',
      'etc/apt/apt.conf.d',
      'etc/apt/preferences.d',
      'var/lib/apt/lists/partial',
      'var/cache/apt/archives/partial',
      'var/lib/dpkg/updates',
      'var/lib/dpkg/info',
    ]) {
      mkdirSync(path.join(dir, sub), { recursive: true });
      mkdirSync(path.join(this.root, sub), { recursive: true });
    }
    writeFileSync(path.join(this.root, 'var/lib/dpkg/status'), '');
    writeFileSync(path.join(dir, 'etc/apt/sources.list'), '');
    const inner = this.inside(dir);
    const admin = path.join(this.inside(this.root), 'var/lib/dpkg');
    this.options = [
      `-o`,
      `Dir::Etc=${path.join(inner, 'etc/apt')}`,
      `-o`,
      `Dir::Etc::SourceList=${path.join(inner, 'etc/apt/sources.list')}`,
      `-o`,
      `Dir::Etc::SourceParts=${path.join(inner, 'etc/apt/sources.list.d')}`,
      `-o`,
      `Dir::Etc::Parts=${path.join(inner, 'etc/apt/apt.conf.d')}`,
      `-o`,
      `Dir::Etc::Preferences=${path.join(inner, 'etc/apt/preferences')}`,
      `-o`,
      `Dir::Etc::PreferencesParts=${path.join(inner, 'etc/apt/preferences.d')}`,
      `-o`,
      `Dir::State=${path.join(inner, 'var/lib/apt')}`,
      `-o`,
      `Dir::Cache=${path.join(inner, 'var/cache/apt')}`,
      `-o`,
      `Dir::State::status=${path.join(admin, 'status')}`,
      `-o`,
      `APT::Architecture=${architecture}`,
      `-o`,
      `APT::Architectures=${architecture}`,
      `-o`,
      `Debug::NoLocking=1`,
      `-o`,
      `APT::Sandbox::User=root`,
      `-o`,
      `Acquire::Languages=none`,
      `-o`,
      `DPkg::Options::=--root=${this.inside(this.root)}`,
      `-o`,
      `DPkg::Options::=--admindir=${admin}`,
      `-o`,
      `DPkg::Options::=--force-script-chrootless`,
      `-o`,
      `DPkg::Options::=--force-not-root`,
      `-o`,
      `DPkg::Options::=--log=${path.join(inner, 'dpkg.log')}`,
      `-o`,
      `DPkg::Use-Pty=0`,
    ];
    this.sourcesDir = path.join(dir, 'etc/apt/sources.list.d');
  }

  private readonly sourcesDir: string;

  /** The path apt sees for a path under the client's folder (the same without a chroot). */
  inside(file: string): string {
    if (!this.chroot) return file;
    return `/${path.relative(this.chroot, file)}`;
  }

  /** Adds a deb822 .sources file (with Signed-By a key file). */
  addSource(
    name: string,
    input: {
      uri: string;
      suites: string[];
      components: string[];
      signedBy: string;
      types?: string;
    },
  ): void {
    writeFileSync(
      path.join(this.sourcesDir, `${name}.sources`),
      `Types: ${input.types ?? 'deb deb-src'}\nURIs: ${input.uri}\nSuites: ${input.suites.join(' ')}\n` +
        `Components: ${input.components.join(' ')}\nSigned-By: ${input.signedBy}\n`,
    );
  }

  async aptGet(args: string[], extra: string[] = []): Promise<AptResult> {
    const command = [...this.options, ...extra, '-q', '-y', ...args];
    if (this.chroot) return this.exec('chroot', [this.chroot, 'apt-get', ...command]);
    return this.exec('apt-get', command);
  }

  async aptCache(args: string[]): Promise<AptResult> {
    return this.exec('apt-cache', [...this.options, ...args]);
  }

  private async exec(command: string, args: string[]): Promise<AptResult> {
    try {
      // In the throwaway root: `apt-get source` downloads to the working folder.
      const { stdout, stderr } = await run(command, args, {
        cwd: this.chroot ? '/' : this.root,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
        maxBuffer: 64 << 20,
      });
      return result(0, stdout + stderr);
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return result(typeof e.code === 'number' ? e.code : 1, (e.stdout ?? '') + (e.stderr ?? ''));
    }
  }
}

function result(code: number, output: string): AptResult {
  return { code, output, problems: output.split('\n').filter((l) => /^(W|E):/.test(l)) };
}
