import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  fixtureUpload,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import { cli, importTestChroot } from '../../fixtures/subsystems.js';

/**
 * A distribution's own build limits, set with the CLI, reach its builds through the
 * scheduler: an upload that fills its snapshot fails at the distribution's disk limit
 * (the daemon's own is 8 GiB), and the build log tells the limits in force.
 */
const run = promisify(execFile);
let root: string;
let daemon: Daemon;
let codename: string;
let token: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-limits-');
  const home = path.join(root, 'home');
  ({ codename } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  token = await adminToken(daemon);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

describe("a distribution's build limits", () => {
  it('apply to its builds: a build over its disk limit fails with the reason', async () => {
    const set = await cli([
      'distribution-update',
      'test',
      codename,
      '--limit-disk',
      '128M',
      '--limit-pids',
      '1024',
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(set, set.err).toMatchObject({ code: 0 });
    const listed = await cli(['repositories', '--server', daemon.url]);
    expect(listed.out).toContain('; build limits: 1024 processes, disk 128 MiB');

    const dputCf = path.join(root, 'dput.cf');
    writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
    const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
    const pkg = await fixtureUpload(root, 'fill-disk', {
      version: `1.0~test${codeversion}+1`,
      distribution: `${codename}-test-unstable`,
    });
    await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
      cwd: pkg.dir,
      env: { ...process.env, HOME: root },
    });
    const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
    const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
    let upload: UploadRecord | undefined;
    await expect
      .poll(
        () => {
          upload = incoming.uploads.list({ limit: 100 }).find((u) => u.changesFile === pkg.changes);
          return upload?.state;
        },
        { timeout: 150_000, interval: 200 },
      )
      .toBe('FAILED');
    const [build] = scheduler.scheduler.list({ uploadId: upload!.id });
    expect(build).toMatchObject({ state: 'FAILED', status: 'attempted', failStage: 'build' });
    expect(build!.reason).toMatch(
      /^the build wrote more than 128 MiB into its snapshot and build folder \(.* found; limit build\.limits\.disk\)$/,
    );
    const log = await cli(['build-log', String(build!.id), '--server', daemon.url]);
    expect(log.out).toMatch(
      /^Limits: 1024 processes, 4 GiB memory, \d+(\.\d+)? CPUs?, 128 MiB disk$/m,
    );
    expect(log.out).toMatch(
      /^Limits Enforced: cgroup v[12] \(pids, memory, cpu\); disk use watched$/m,
    );
  }, 240_000);
});
