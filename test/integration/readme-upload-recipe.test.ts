import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { BuildSummary } from '../../src/api/specs/builds.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import type { StoredEvent } from '../../src/events/event.js';
import {
  body,
  buildSourcePackage,
  persistentTempDir,
  REPO_ROOT,
  type SourcePackage,
  startTestDaemon,
  tempDir,
} from '../fixtures/index.js';

/**
 * The README's upload recipe, run as it is written (the code block, with bash) by a
 * packager with a fresh home against a real daemon: from `apt-get source hello` to dput.
 * The machine's apt has no deb-src lines, so `apt-get` here is a stand-in that does what
 * apt-get source does after downloading, with a hello 2.10-3 the test makes (3.0 (quilt),
 * an orig tarball, as Debian's). The recipe's promise: the upload is ACCEPTED with the
 * version and distribution the test repository's policy wants, and its build is queued.
 */
let root: string;
let daemon: Daemon;
let hello: SourcePackage;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  hello = await buildSourcePackage(path.join(root, 'mirror'), {
    source: 'hello',
    upstream: '2.10',
    revision: '3',
    distribution: 'unstable',
  });
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The first sh code block of the README's upload section. */
function recipe(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Uploading packages'));
  return /```sh\n([\s\S]*?)```/.exec(section)![1]!;
}

/** `apt-get source hello` without a mirror: the source package's files, then dpkg-source -x. */
function aptGetStandIn(bin: string): void {
  const files = hello.files.filter((f) => f !== hello.changes).map((f) => path.join(hello.dir, f));
  writeFileSync(
    path.join(bin, 'apt-get'),
    [
      '#!/bin/sh',
      'if [ "$1 $2" != "source hello" ]; then',
      '  echo "apt-get stand-in: only apt-get source hello" >&2; exit 100',
      'fi',
      `cp ${files.join(' ')} . && exec dpkg-source -x ${hello.dsc}`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}

async function runRecipe(script: string, home: string, work: string) {
  const bin = path.join(home, 'bin');
  mkdirSync(bin);
  aptGetStandIn(bin);
  const child = spawn('bash', ['-e', '-c', script], {
    cwd: work,
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: home,
      USER: 'pat',
      DEBEMAIL: 'Pat Packager <pat@example.org>',
      DEBYARD_SERVER: daemon.url,
      LANG: 'C.UTF-8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

async function outcome(changes: string): Promise<StoredEvent> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = daemon.events
      .list({ types: ['ACCEPTED', 'REJECTED'], limit: 100 })
      .find((e) => e.details.changes === changes);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${changes} was not processed`);
}

describe("the README's upload recipe", () => {
  it('run as written: the upload is ACCEPTED for the test repository, its build queued', async () => {
    const script = recipe();
    expect(script).toMatch(/^apt-get source hello/);
    const home = tempDir();
    const work = path.join(home, 'src');
    mkdirSync(work);
    const { code, output } = await runRecipe(script, home, work);
    expect(code, output).toBe(0);

    const { codename, architecture } = detectHostSystem();
    const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
    const version = `2.10-3~test${codeversion}+1`;
    const distribution = `${codename}-test-unstable`;
    const event = await outcome(`hello_${version}_source.changes`);
    expect(event.details.reasons ?? [], event.message).toEqual([]);
    expect(event).toMatchObject({ type: 'ACCEPTED', source: 'hello', version, distribution });
    // -sa: the orig tarball went with it (the daemon's pool has no hello yet).
    const spool = path.join(daemon.layout.root, String(event.details.spoolPath));
    expect(readdirSync(spool).sort()).toEqual(
      [
        'hello_2.10.orig.tar.gz',
        `hello_${version}.debian.tar.xz`,
        `hello_${version}.dsc`,
        `hello_${version}_source.buildinfo`,
        `hello_${version}_source.changes`,
      ].sort(),
    );
    const builds = (await body(
      await fetch(`${daemon.url}/api/v1/builds?source=hello`, {
        headers: { accept: 'application/json' },
      }),
    )) as unknown as BuildSummary[];
    expect(builds.map((b) => [b.version, b.distribution, b.architecture, b.state])).toEqual([
      [version, distribution, architecture, 'QUEUED'],
    ]);
  });
});
