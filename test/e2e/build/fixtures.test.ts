import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../src/builder/build-request.js';
import { Sandbox } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { fixtureSource, persistentTempDir, tempDir, treeChecksum } from '../../fixtures/index.js';
import {
  buildRequest,
  mountsBelow,
  processesUnder,
  testBuilder,
} from '../../fixtures/subsystems.js';

let env: Awaited<ReturnType<typeof testBuilder>>;
let snapshots: string;
let baseChecksum: string;

beforeAll(async () => {
  snapshots = persistentTempDir('debyard-snapshots-');
  env = await testBuilder(snapshots);
  baseChecksum = treeChecksum(env.lease.tree);
}, 15 * 60_000);

afterAll(async () => {
  expect(env.leases()).toBe(0);
  await env.groups.close();
});

/** After every build: the base is untouched and nothing of the snapshot is left. */
function expectCleanAfterBuild(): void {
  expect(treeChecksum(env.lease.tree)).toBe(baseChecksum);
  expect(mountsBelow(snapshots)).toEqual([]);
  expect(processesUnder(snapshots)).toEqual([]);
  expect(readdirSync(snapshots)).toEqual([]);
}

const log = (result: BuildResult) => readFileSync(result.logFile, 'utf8');
const names = (result: BuildResult) => result.files.map((file) => path.basename(file)).sort();

/** Installs .debs into a fresh snapshot of the base and runs a command as the build user. */
async function installAndRun(debs: string[], command: string[]): Promise<string> {
  const runner = new LocalRunner();
  const dir = tempDir();
  const sandbox = await Sandbox.open(
    {
      tree: env.lease.tree,
      mode: 'overlay',
      workDir: path.join(dir, 'snapshot'),
      binds: [{ source: path.dirname(debs[0]!), target: '/results', readOnly: true }],
    },
    runner,
  );
  try {
    const environment = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      DEBIAN_FRONTEND: 'noninteractive',
    };
    const debPaths = debs.map((deb) => `/results/${path.basename(deb)}`);
    const install = await sandbox.run(
      { argv: ['apt-get', 'install', '-y', ...debPaths], env: environment, network: true },
      runner,
    );
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    const run = await sandbox.run(
      { argv: command, env: environment, user: { uid: 2000, gid: 2000 } },
      runner,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    return run.stdout;
  } finally {
    await sandbox.close();
  }
}

describe('building the fixtures', () => {
  it('builds an arch:any C program whose package installs and runs in a fresh snapshot', async () => {
    const result = await env.builder.build(
      buildRequest(fixtureSource('hello-any'), env.lease, { archAll: false }),
    );
    expect(result, log(result)).toMatchObject({
      status: 'successful',
      failStage: null,
      reason: null,
      package: 'debyard-hello-any',
      version: '1.0',
    });
    expect(names(result)).toEqual(
      [
        'debyard-hello-any-dbgsym_1.0_amd64.deb',
        'debyard-hello-any_1.0_amd64.buildinfo',
        'debyard-hello-any_1.0_amd64.changes',
        'debyard-hello-any_1.0_amd64.deb',
      ]
        .map((n) => n.replace(/amd64/, env.lease.architecture))
        .sort(),
    );
    expect(readFileSync(result.changes!, 'utf8')).toMatch(
      /^Distribution: bookworm-test-unstable$/m,
    );
    expect(result.buildTimeMs).toBeGreaterThan(0);
    expect(result.totalTimeMs).toBeGreaterThan(result.buildTimeMs);
    const text = log(result);
    expect(text).toContain(
      '$ dpkg-buildpackage --no-sign -B --changes-option=-DDistribution=bookworm-test-unstable',
    );
    expect(text).toMatch(/\| Summary +\|\n\+-+\+\n\n(.+\n)*Status: successful\n/);
    expect(text).toMatch(/^Build Type: any$/m);
    expect(text).not.toMatch(/^Fail-Stage:/m);
    expect(text).not.toContain('\x1b[');
    expectCleanAfterBuild();
    const deb = result.files.find((f) => /debyard-hello-any_1\.0_[^_]+\.deb$/.test(f))!;
    expect(await installAndRun([deb], ['debyard-hello-any'])).toBe(
      `Hello from debyard-hello-any, built for ${env.lease.architecture}\n`,
    );
  }, 300_000);

  it('builds an arch:all package with -A, and refuses it when this build does not build arch:all', async () => {
    const dsc = fixtureSource('hello-all');
    const result = await env.builder.build(buildRequest(dsc, env.lease, { archAll: true }));
    expect(result.status, log(result)).toBe('successful');
    expect(names(result)).toEqual(
      [
        'debyard-hello-all_1.0_all.deb',
        'debyard-hello-all_1.0_all.buildinfo',
        'debyard-hello-all_1.0_all.changes',
      ].sort(),
    );
    expect(log(result)).toContain('$ dpkg-buildpackage --no-sign -A ');
    expectCleanAfterBuild();
    expect(
      await installAndRun(
        result.files.filter((f) => f.endsWith('.deb')),
        ['debyard-hello-all'],
      ),
    ).toBe('Hello from debyard-hello-all\n');

    await expect(
      env.builder.build(buildRequest(dsc, env.lease, { archAll: false })),
    ).rejects.toThrow(
      `debyard-hello-all_1.0.dsc builds only Architecture: all packages, and this build does not build arch:all; there is nothing to build on ${env.lease.architecture}`,
    );
  }, 300_000);

  it('reports a package that fails to build as attempted at stage build', async () => {
    const result = await env.builder.build(buildRequest(fixtureSource('fails'), env.lease));
    expect(result).toMatchObject({
      status: 'attempted',
      failStage: 'build',
      reason: 'dpkg-buildpackage failed (exit status 2)',
      changes: null,
      files: [],
    });
    const text = log(result);
    expect(text).toContain('debyard-fails: failing on purpose');
    expect(text).toMatch(/^Status: attempted$/m);
    expect(text).toMatch(/^Fail-Stage: build$/m);
    expectCleanAfterBuild();
  }, 120_000);

  it('builds without network: the package cannot reach a server on the host loopback', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.on('error', () => {});
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await env.builder.build(
        buildRequest(fixtureSource('network'), env.lease, {
          debBuildOptions: `nocheck debyard-test-port=${port}`,
        }),
      );
      const text = log(result);
      expect(result.status, text).toBe('successful');
      expect(text).toContain(`network: cannot reach 127.0.0.1:${port}`);
      expect(text).toContain('network: cannot reach deb.debian.org:80');
      expect(text).not.toContain('network: reached');
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
    expectCleanAfterBuild();
  }, 120_000);

  it('builds as the unprivileged build user with a sanitized environment', async () => {
    process.env.DEBYARD_LEAK_CHECK = 'leaked';
    const result = await env.builder.build(buildRequest(fixtureSource('notroot'), env.lease));
    delete process.env.DEBYARD_LEAK_CHECK;
    const text = log(result);
    expect(result.status, text).toBe('successful');
    expect(text).toContain('building as uid 2000, gid 2000, user debyard, HOME=/nonexistent');
    const deb = result.files.find((f) => f.endsWith('.deb'))!;
    const uid = execFileSync('sh', [
      '-c',
      `dpkg-deb --fsys-tarfile '${deb}' | tar -xOf - ./usr/share/debyard-notroot/build-uid`,
    ]);
    expect(uid.toString()).toBe('2000\n');
    const environment = text.split('\n').filter((line) => line.startsWith('env: '));
    expect(environment).toEqual(
      expect.arrayContaining([
        'env: HOME=/nonexistent',
        'env: LC_ALL=C.UTF-8',
        'env: USER=debyard',
      ]),
    );
    expect(environment.join('\n')).not.toContain('DEBYARD_LEAK_CHECK');
    expectCleanAfterBuild();
  }, 120_000);

  it('cannot write outside its build tree', async () => {
    const result = await env.builder.build(buildRequest(fixtureSource('escape'), env.lease));
    expect(result).toMatchObject({ status: 'attempted', failStage: 'build' });
    expect(log(result)).toContain(
      "touch: cannot touch '/usr/share/debyard-escaped': Permission denied",
    );
    expect(existsSync('/usr/share/debyard-escaped')).toBe(false);
    expect(existsSync(path.join(env.lease.tree, 'usr/share/debyard-escaped'))).toBe(false);
    expectCleanAfterBuild();
  }, 120_000);

  it('runs two builds in parallel that do not see each other', async () => {
    const dsc = fixtureSource('peek');
    const [a, b] = await Promise.all([
      env.builder.build(buildRequest(dsc, env.lease)),
      env.builder.build(buildRequest(dsc, env.lease)),
    ]);
    for (const result of [a!, b!]) {
      expect(result.status, log(result)).toBe('successful');
      expect(log(result)).toContain('markers seen: 2');
    }
    expectCleanAfterBuild();
  }, 180_000);
});
