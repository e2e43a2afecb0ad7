import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  fixtureUpload,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import { cli, importTestChroot } from '../../fixtures/subsystems.js';

/**
 * The test stage's gates through the whole daemon, one daemon and three builds: modes set
 * per suite with the CLI, installability in errfail keeps a package that breaks another
 * one out of the archive, an upload's autopkgtest-mode=ignore installs it with its failure
 * recorded (TESTED events, builds --json, the build page, the check's log), and the
 * failure keeps it from migrating to a suite that requires autopkgtest until --force.
 */
const run = promisify(execFile);
let root: string;
let daemon: Daemon;
let codename: string;
let architecture: string;
let token: string;
let dputCf: string;
let unstable: string;

const as = (args: string[]) => cli([...args, '--server', daemon.url, '--token', token]);

beforeAll(async () => {
  root = persistentTempDir('debyard-gates-');
  const home = path.join(root, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  token = await adminToken(daemon);
  unstable = `${codename}-test-unstable`;
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

const codeversion = () => ({ bookworm: '12', trixie: '13' })[codename] ?? 'SID';

/** Uploads a fixture with dput and waits until its upload settles. */
async function upload(fixture: string, lines: string[] = []): Promise<UploadRecord> {
  const pkg = await fixtureUpload(root, fixture, {
    version: `1.0~test${codeversion()}+1`,
    distribution: unstable,
    lines,
  });
  await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  let found: UploadRecord | undefined;
  await expect
    .poll(
      () => {
        found = incoming.uploads.list({ limit: 100 }).find((u) => u.changesFile === pkg.changes);
        return ['INSTALLED', 'FAILED', 'REJECTED'].includes(found?.state ?? '');
      },
      { timeout: 600_000, interval: 500 },
    )
    .toBe(true);
  return found!;
}

async function builds(source: string) {
  const listed = await as(['builds', '--source', source, '--json']);
  expect(listed.code, listed.err).toBe(0);
  return JSON.parse(listed.out) as {
    id: number;
    state: string;
    reason: string | null;
    tests: { check: string; mode: string; result: string; reason: string; log?: string }[];
  }[];
}

async function tested(source: string) {
  const listed = await as(['events', '--type', 'TESTED', '--json']);
  expect(listed.code, listed.err).toBe(0);
  return (JSON.parse(listed.out) as { source: string; message: string }[]).filter(
    (e) => e.source === source,
  );
}

/** The published Packages of a distribution (what apt sees). */
async function published(dist: string): Promise<string> {
  const url = `${daemon.url}/repos/test/dists/${dist}/main/binary-${architecture}/Packages`;
  return (await fetch(url)).text();
}

describe('the test stage gates installs and migrations', () => {
  it('takes modes per suite from the CLI and refuses bad ones', async () => {
    const bad = await as([
      'distribution-update',
      'test',
      codename,
      '--autopkgtest',
      'stable=often',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('"often" is not one of disabled, ignore, errfail');
    const unknown = await as([
      'distribution-update',
      'test',
      codename,
      '--installability',
      'nosuch=errfail',
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('the layout has no suite "nosuch"');
    const set = await as([
      ...['distribution-update', 'test', codename],
      ...['--installability', 'unstable=errfail', '--autopkgtest', 'testing=errfail'],
    ]);
    expect(set, set.err).toMatchObject({ code: 0 });
    const listed = await cli(['repositories', '--server', daemon.url]);
    expect(listed.out).toContain(
      '; tests: installability unstable=errfail, autopkgtest testing=errfail',
    );
  });

  it('errfail installability keeps a package that breaks another one out of the archive', async () => {
    const good = await upload('qa-pass');
    expect(good.state).toBe('INSTALLED');
    const [built] = await builds('debyard-qa-pass');
    expect(built!.tests).toEqual([
      expect.objectContaining({ check: 'installability', mode: 'errfail', result: 'pass' }),
    ]);
    await expect.poll(() => published(unstable), { timeout: 60_000 }).toContain('debyard-qa-pass');
    // The log of a check the build did not run, or of no check at all: clear refusals.
    const notRun = await as(['build-log', String(built!.id), '--check', 'autopkgtest']);
    expect(notRun.err).toContain(
      `build ${built!.id} did not run autopkgtest (it ran: installability)`,
    );
    const noCheck = await as(['build-log', String(built!.id), '--check', 'lint']);
    expect(noCheck.code).not.toBe(0);
    expect(noCheck.err).toContain('Choices: "installability", "autopkgtest", "installtest"');

    const breaker = await upload('qa-breaker');
    expect(breaker.state).toBe('FAILED');
    const [failed] = await builds('debyard-qa-breaker');
    expect(failed!.reason).toBe(
      `installability failed: debyard-qa-pass in ${unstable} would break: conflict between debyard-qa-breaker and debyard-qa-pass`,
    );
    expect((await tested('debyard-qa-breaker'))[0]!.message).toMatch(
      /^installability of .*: fail: /,
    );
    // Nothing of it reached the archive.
    expect(await published(unstable)).not.toContain('debyard-qa-breaker');
    const ls = await as(['ls', 'debyard-qa-breaker']);
    expect(ls.out).not.toContain(unstable);
  }, 900_000);

  it('ignore installs a package whose autopkgtest fails, records it, and migration refuses it until --force', async () => {
    const fails = await upload('qa-fail', ['* DEBYARD_OPTION: autopkgtest-mode=ignore']);
    expect(fails.state).toBe('INSTALLED');
    const [built] = await builds('debyard-qa-fail');
    const autopkgtest = built!.tests.find((t) => t.check === 'autopkgtest');
    expect(autopkgtest).toMatchObject({ mode: 'ignore', result: 'fail', log: 'autopkgtest.log' });
    expect(autopkgtest!.reason).toMatch(/^tests failed: fails/);
    expect((await tested('debyard-qa-fail')).map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        /^autopkgtest of debyard-qa-fail .*: fail \(ignored\): tests failed: fails/,
      ),
    );
    const log = await as(['build-log', String(built!.id), '--check', 'autopkgtest']);
    expect(log.out).toMatch(/debyard-qa-fail: this test fails on purpose/);
    const page = await (await fetch(`${daemon.url}/builds/${built!.id}`)).text();
    expect(page).toMatch(/<tr data-check="autopkgtest">[\s\S]*?result-fail/);

    const refused = await as(['migrate', 'debyard-qa-fail', unstable]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(
      `cannot migrate to ${codename}-test-testing: autopkgtest failed for `,
    );
    expect(refused.err).toContain('--force');
    const forced = await as(['migrate', 'debyard-qa-fail', unstable, '--force']);
    expect(forced, forced.err).toMatchObject({ code: 0 });
    const events = await as(['events', '--type', 'MIGRATED', '--json']);
    const migrated = (
      JSON.parse(events.out) as { message: string; details: Record<string, unknown> }[]
    ).find((e) => e.details.forced === true);
    expect(migrated?.message).toMatch(/forced by admin past: autopkgtest failed for /);
  }, 900_000);
});
