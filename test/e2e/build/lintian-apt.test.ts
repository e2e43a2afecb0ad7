import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTRA_APT_KEYRING, type BuildResult } from '../../../src/builder/build-request.js';
import { fixtureSource, persistentTempDir, tempDir } from '../../fixtures/index.js';
import { buildRequest, testBuilder, testHost } from '../../fixtures/subsystems.js';

let env: Awaited<ReturnType<typeof testBuilder>>;
beforeAll(async () => {
  env = await testBuilder(persistentTempDir('debyard-snapshots-'));
}, 15 * 60_000);
afterAll(() => env.groups.close());

const log = (result: BuildResult) => readFileSync(result.logFile, 'utf8');

describe('lintian modes', () => {
  it('errfail passes a package with warnings only; warnfail fails it', async () => {
    const dsc = fixtureSource('hello-any');
    const errfail = await env.builder.build(buildRequest(dsc, env.lease, { lintian: 'errfail' }));
    expect(errfail, log(errfail)).toMatchObject({ status: 'successful', lintian: 'pass' });
    expect(log(errfail)).toMatch(/^W: debyard-hello-any: no-manual-page/m);
    expect(log(errfail)).toMatch(/^Lintian: pass$/m);

    const warnfail = await env.builder.build(buildRequest(dsc, env.lease, { lintian: 'warnfail' }));
    expect(warnfail).toMatchObject({
      status: 'failed',
      failStage: 'lintian',
      reason: 'lintian found errors or warnings',
      lintian: 'fail',
    });
    expect(log(warnfail)).toMatch(/^Lintian: fail$/m);
    expect(log(warnfail)).toMatch(/^Fail-Stage: lintian$/m);
  }, 300_000);

  it('ignore reports lintian errors without failing the build; disabled does not run it', async () => {
    const dsc = fixtureSource('hello-all');
    const ignore = await env.builder.build(buildRequest(dsc, env.lease, { lintian: 'ignore' }));
    expect(ignore, log(ignore)).toMatchObject({ status: 'successful', lintian: 'fail' });
    expect(log(ignore)).toMatch(/^E: debyard-hello-all: no-copyright-file/m);

    const disabled = await env.builder.build(buildRequest(dsc, env.lease, { lintian: 'disabled' }));
    expect(disabled).toMatchObject({ status: 'successful', lintian: 'disabled' });
    expect(log(disabled)).not.toContain('Run lintian');
  }, 300_000);
});

describe('extra apt sources for build dependencies', () => {
  async function sources(): Promise<string> {
    const host = testHost();
    return [
      'Types: deb',
      `URIs: ${host.mirror}`,
      `Suites: ${env.lease.codename}-backports`,
      'Components: main',
      `Signed-By: ${EXTRA_APT_KEYRING}`,
      '',
    ].join('\n');
  }

  it('adds signed, pinned sources to the build', async () => {
    const key = execFileSync('gpg', [
      ...['--no-default-keyring', '--keyring', '/usr/share/keyrings/debian-archive-keyring.gpg'],
      ...['--export', '--armor'],
    ]).toString();
    const preferences = `Package: *\nPin: release n=${env.lease.codename}-backports\nPin-Priority: 100\n`;
    const result = await env.builder.build(
      buildRequest(fixtureSource('hello-all'), env.lease, {
        extraApt: { sources: await sources(), key, preferences },
      }),
    );
    const text = log(result);
    expect(result.status, text).toBe('successful');
    expect(text).toContain(`wrote ${EXTRA_APT_KEYRING}`);
    expect(text).toContain('wrote /etc/apt/preferences.d/debyard-archive');
    expect(text).toMatch(
      new RegExp(`(Get|Hit):\\d+ \\S+ ${env.lease.codename}-backports InRelease`),
    );

    // As the archive's sources_list call gives them: the key inline in Signed-By.
    const armored = key
      .trimEnd()
      .split('\n')
      .map((line) => ` ${line === '' ? '.' : line}`)
      .join('\n');
    const inline = (await sources()).replace(
      `Signed-By: ${EXTRA_APT_KEYRING}`,
      `Signed-By:\n${armored}`,
    );
    const inlined = await env.builder.build(
      buildRequest(fixtureSource('hello-all'), env.lease, { extraApt: { sources: inline } }),
    );
    expect(inlined.status, log(inlined)).toBe('successful');
    expect(log(inlined)).not.toContain(`wrote ${EXTRA_APT_KEYRING}`);
    expect(log(inlined)).toMatch(new RegExp(`${env.lease.codename}-backports InRelease`));
  }, 180_000);

  it('refuses extra sources apt could not check', async () => {
    const unsigned =
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: sid\nComponents: main\n';
    await expect(
      env.builder.build(
        buildRequest(fixtureSource('hello-all'), env.lease, {
          extraApt: { sources: unsigned, key: 'not a key' },
        }),
      ),
    ).rejects.toMatchObject({
      message: 'invalid build request',
      problems: [
        {
          where: 'extraApt.sources',
          message:
            'every stanza needs a Signed-By field (or Trusted: yes for a source marked unsigned): apt must check these sources',
        },
        { where: 'extraApt.key', message: 'must be an armored OpenPGP public key' },
      ],
    });
  });

  it('fails at install-deps when the sources are not signed by the given key', async () => {
    const home = tempDir();
    const gpg = (...args: string[]) =>
      execFileSync('gpg', [
        '--homedir',
        home,
        '--batch',
        '--pinentry-mode',
        'loopback',
        '--passphrase',
        '',
        ...args,
      ]);
    gpg('--quick-gen-key', 'Not The Archive <nobody@debyard.invalid>', 'ed25519', 'sign', '1d');
    const key = gpg('--export', '--armor').toString();
    const result = await env.builder.build(
      buildRequest(fixtureSource('hello-all'), env.lease, {
        extraApt: { sources: await sources(), key },
      }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      failStage: 'install-deps',
      reason: 'apt-get update of the extra apt sources failed (exit status 100)',
    });
    expect(log(result)).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/);
    expect(path.basename(result.logFile)).toBe('build.log');
  }, 180_000);
});
