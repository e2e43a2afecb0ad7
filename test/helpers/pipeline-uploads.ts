import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import { IsolatedApt } from './apt.js';
import {
  fixtureUpload,
  signUpload,
  type FixtureEntry,
  type FixtureUpload,
  type TestSigner,
} from './packages/uploads.js';

const run = promisify(execFile);

/** The Debian major release number of a codename, as the version policy writes it. */
export const codeversionOf = (codename: string): string =>
  ({ bookworm: '12', trixie: '13', forky: '14' })[codename] ?? 'SID';

/** A fixture upload's top changelog entry, and who signs it (debsign; none: unsigned). */
export interface PipelineEntry extends FixtureEntry {
  signer?: TestSigner;
}

/**
 * Uploads through a started daemon's real pipeline: fixtures with Debian's dput over FTP
 * (unsigned into the test repository, or signed), then waits for what became of an upload.
 */
export class PipelineUploads {
  private dputCf: string | undefined;

  constructor(
    private readonly daemon: Daemon,
    private readonly dir: string,
  ) {}

  private get incoming(): IncomingPart {
    return this.daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  }

  /** dput of a fixture with this version and distribution (and extra changelog lines). */
  async dput(fixture: string, entry: PipelineEntry): Promise<FixtureUpload> {
    if (!this.dputCf) {
      this.dputCf = path.join(this.dir, 'dput.cf');
      writeFileSync(this.dputCf, await (await fetch(`${this.daemon.url}/api/v1/dput_conf`)).text());
    }
    const pkg = await fixtureUpload(this.dir, fixture, entry);
    const { signer } = entry;
    if (signer) await signUpload(pkg, signer);
    const stanza = signer ? 'debyard-testyard' : 'debyard-testyard-test';
    await run('dput', ['-U', '-c', this.dputCf, stanza, pkg.changes], {
      cwd: pkg.dir,
      env: { ...process.env, HOME: this.dir, ...(signer ? { GNUPGHOME: signer.home } : {}) },
    });
    return pkg;
  }

  /** The newest upload of a .changes once it reached one of `states`. */
  async changesIn(changes: string, states: string[], timeoutMs = 150_000): Promise<UploadRecord> {
    let last: UploadRecord | undefined;
    await expect
      .poll(
        () => {
          last = this.incoming.uploads.latestOfChanges(changes);
          return last?.state;
        },
        { timeout: timeoutMs, interval: 100 },
      )
      .toBeOneOf(states);
    return last!;
  }

  /** An upload (by id) once it reached one of `states`. */
  async uploadIn(id: number, states: string[], timeoutMs = 150_000): Promise<UploadRecord> {
    await expect
      .poll(() => this.incoming.uploads.get(id).state, { timeout: timeoutMs, interval: 100 })
      .toBeOneOf(states);
    return this.incoming.uploads.get(id);
  }

  /** dput, then wait for INSTALLED (the builds' states in the message if not). */
  async installed(fixture: string, entry: PipelineEntry): Promise<UploadRecord> {
    const pkg = await this.dput(fixture, entry);
    const upload = await this.changesIn(pkg.changes, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(upload.state, JSON.stringify(upload.reasons)).toBe('INSTALLED');
    return upload;
  }
}

/**
 * Real apt-get in a throwaway root whose dpkg status is the host's (so apt installs only
 * our packages, which then run here), with the daemon's deb822 stanzas for these suites.
 */
export async function aptFor(
  daemon: Daemon,
  dir: string,
  architecture: string,
  suites: { repo: string; suite: string }[],
): Promise<IsolatedApt> {
  const apt = new IsolatedApt(dir, architecture);
  copyFileSync('/var/lib/dpkg/status', path.join(apt.root, 'var/lib/dpkg/status'));
  for (const { repo, suite } of suites) {
    const answer = await fetch(`${daemon.url}/api/v1/sources_list?repo=${repo}&suite=${suite}`);
    expect(answer.status).toBe(200);
    writeFileSync(
      path.join(dir, 'etc/apt/sources.list.d', `${repo}-${suite}.sources`),
      await answer.text(),
    );
  }
  return apt;
}
