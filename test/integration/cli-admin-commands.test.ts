import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { adminPassword, persistentTempDir, startTestDaemon } from '../fixtures/index.js';
import { cli, makeKey } from '../fixtures/subsystems.js';

// One daemon and one logged-in CLI configuration for the file (~2 s).
let daemon: Daemon;
let root: string;
let userHome: string;
const { codename, architecture } = detectHostSystem();

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  userHome = path.join(root, 'user');
  const login = await cli(
    ['login', '--server', daemon.url, '--user', 'admin', '--password-stdin'],
    {
      userHome,
      stdin: `${adminPassword(daemon)}\n`,
    },
  );
  expect(login.code).toBe(0);
});
afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

const run = (...args: string[]) => cli(args, { userHome });
async function json(...args: string[]) {
  return jsonWith({}, ...args);
}
async function jsonWith(options: { stdin?: string }, ...args: string[]) {
  const result = await cli([...args, '--json'], { userHome, ...options });
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.out);
}

describe('repository, distribution, layout and reindex commands', () => {
  it('configure repositories with --json and human output, exit codes 0/1/2', async () => {
    expect(
      await json(
        'layout-add',
        'pair',
        '--suites',
        'unstable:uploadable,migrates-to=stable,rollbacks=2',
        '--suites',
        'stable',
      ),
    ).toMatchObject({
      name: 'pair',
      suites: [{ name: 'unstable', rollbacks: 2 }, { name: 'stable' }],
    });
    expect((await run('layouts')).out).toContain(
      'pair\n  unstable:uploadable,migrates-to=stable,rollbacks=2\n  stable\n',
    );
    const added = await json(
      'repository-add',
      'clients',
      '--layout',
      'pair',
      '--codename',
      codename,
      '--architectures',
      architecture,
      '--description',
      'for the clients',
    );
    expect(added).toMatchObject({ id: 'clients', layout: 'pair', suites: ['unstable', 'stable'] });
    const withTrixie = await json(
      'distribution-add',
      'clients',
      'trixie',
      '--architectures',
      'amd64,arm64',
    );
    expect(withTrixie.distributions.map((d: { codename: string }) => d.codename)).toEqual([
      codename,
      'trixie',
    ]);
    expect((await run('repositories')).out).toContain(
      `clients: for the clients; layout pair\n  suites: unstable, stable\n`,
    );
    expect(await json('reindex', 'clients', '--distribution', 'trixie-clients-unstable')).toEqual({
      republished: ['trixie-clients-unstable'],
    });
    expect((await run('distribution-remove', 'clients', 'trixie')).out).toBe(
      `repository clients now has ${codename}\n`,
    );
    expect((await run('repository-update', 'clients', '--allow-unsigned')).out).toBe(
      'updated repository clients\n',
    );

    const usage = await run('repository-add', 'Clients');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain(
      'invalid arguments for repository-add\n  - id: must be 1-32 lower-case letters and digits, like test',
    );
    const badSuite = await run('layout-add', 'odd', '--suites', 'unstable:fast');
    expect(badSuite.code).toBe(2);
    expect(badSuite.err).toContain('  - suites.0: "fast" is not a suite option');
    const missing = await run('repository-remove', 'nosuch');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('debyard: there is no repository "nosuch"\n');
    expect((await run('repository-remove', 'clients')).out).toBe('removed repository clients\n');
    expect((await run('layout-remove', 'pair')).out).toBe('removed layout pair\n');
  });
});

describe('uploader key commands', () => {
  it('add, list, permit, forbid and remove keys', async () => {
    const key = await makeKey('Cli User');
    const [added] = await jsonWith(
      { stdin: key.publicArmored },
      'key-add',
      '--comment',
      'workstation',
    );
    expect(added).toMatchObject({ fingerprint: key.fingerprint, owner: 'admin', repositories: [] });
    const table = (await run('keys')).out.split('\n');
    expect(table[0]).toMatch(/^FINGERPRINT +REPOSITORIES +USER ID$/);
    expect(table[1]).toMatch(
      new RegExp(`^${key.fingerprint} +- +Cli User <cli.user@example.org>$`),
    );
    expect(await json('key-permit', key.fingerprint, 'test')).toMatchObject({
      repositories: ['test'],
    });
    const permissions = await json('key-permissions', '--repo', 'test');
    expect(permissions.map((k: { fingerprint: string }) => k.fingerprint)).toEqual([
      key.fingerprint,
    ]);
    expect((await run('key-forbid', key.fingerprint, 'test')).out).toBe(
      `${key.fingerprint} Cli User <cli.user@example.org>: uploads to no repository yet\n`,
    );
    expect((await run('key-remove', key.fingerprint)).out).toBe(`removed key ${key.fingerprint}\n`);
    const gone = await run('key-remove', key.fingerprint);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(`debyard: there is no uploader key ${key.fingerprint}\n`);
  });
});

describe('incoming commands', () => {
  it('pause and resume the incoming; status shows it', async () => {
    const paused = await json('incoming-pause', 'new disks');
    expect(paused).toMatchObject({ paused: true, by: 'admin', reason: 'new disks' });
    expect((await run('status')).out).toContain(
      `incoming paused since ${paused.since} by admin (new disks): FTP uploads are refused\n`,
    );
    expect((await run('incoming-resume')).out).toBe('incoming open: FTP uploads are taken\n');
    expect((await json('status')).incoming.paused).toBe(false);
  });
});
