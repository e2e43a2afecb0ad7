import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { api, buildDeb, buildSource, userWithToken, startAdminDaemon } from '../fixtures/index.js';
import { cli } from '../fixtures/subsystems.js';

// build-missing without building: a source installed for the host's architecture only,
// then a second architecture no builder has (its builds wait), so what is scheduled and
// refused shows without a chroot. One daemon, a few seconds.
const { codename, architecture } = detectHostSystem();
const OTHER = architecture === 'arm64' ? 'riscv64' : 'arm64';
const UNSTABLE = `${codename}-test-unstable`;
let root: string;
let daemon: Daemon;
let admin: string;
let stop: () => Promise<void>;
let staff: string;

beforeAll(async () => {
  ({ root, daemon, admin, stop } = await startAdminDaemon());
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
  const dir = path.join(root, 'pkgs');
  const dsc = buildSource(dir, { name: 'misspkg', version: '1.0' });
  const deb = buildDeb(dir, { name: 'misspkg', version: '1.0', architecture, source: 'misspkg' });
  const { service } = daemon.parts.find((p) => p.name === 'archive') as ArchivePart;
  await service.archive.install({ distribution: UNSTABLE, packages: [{ dsc, debs: [deb] }] });
});
afterAll(async () => {
  await stop?.();
});

const missing = (input: Record<string, unknown>, token = staff) =>
  api(daemon.url, 'build_missing', { method: 'POST', token, input });

describe('build_missing', () => {
  it('refuses an unknown repository, distribution or architecture, saying why', async () => {
    const repo = await missing({ repo: 'nosuch', codename });
    expect(repo.status).toBe(404);
    expect(repo.body.detail).toMatch(/nosuch/);
    const dist = await missing({ repo: 'test', codename: 'nosuchcode' });
    expect(dist.status).toBe(404);
    expect(dist.body.detail).toBe(
      `repository test has no distribution nosuchcode (it has ${codename})`,
    );
    const arch = await missing({ repo: 'test', codename, architecture: OTHER });
    expect(arch.status).toBe(400);
    expect(arch.body.detail).toContain(
      `${codename} of test does not build for ${OTHER} (it builds for ${architecture})`,
    );
    const cliBad = await cli([
      'build-missing',
      'test',
      codename,
      '--architecture',
      'A!',
      '--server',
      daemon.url,
      '--token',
      staff,
    ]);
    expect(cliBad.code).toBe(2);
    expect(cliBad.err).toContain('must be a Debian architecture such as arm64');
  });

  it('finds nothing while the distribution builds only what is there', async () => {
    const answer = await missing({ repo: 'test', codename });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ scheduled: [], skipped: [], dryRun: false });
  });

  it('schedules the new architecture once, as an upload from the pool', async () => {
    const update = await api(daemon.url, 'distribution_update', {
      method: 'POST',
      token: admin,
      input: { repo: 'test', codename, architectures: [architecture, OTHER] },
    });
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    const dry = await missing({ repo: 'test', codename, dry_run: true });
    const planned = {
      source: 'misspkg',
      version: '1.0',
      distribution: UNSTABLE,
      architectures: [OTHER],
      archAll: false,
    };
    expect(dry.body).toEqual({
      scheduled: [{ ...planned, uploadId: null }],
      skipped: [],
      dryRun: true,
    });
    const uploads = (daemon.parts.find((p) => p.name === 'incoming') as IncomingPart).uploads;
    expect(uploads.inFlight('test', 'misspkg', '1.0')).toEqual([]);

    const done = await missing({ repo: 'test', codename });
    expect(done.status).toBe(200);
    const id = (done.body as { scheduled: { uploadId: number }[] }).scheduled[0]!.uploadId;
    expect(done.body).toEqual({
      scheduled: [{ ...planned, uploadId: id }],
      skipped: [],
      dryRun: false,
    });
    const upload = uploads.get(id);
    expect(upload).toMatchObject({
      source: 'misspkg',
      version: '1.0',
      distribution: UNSTABLE,
      architectures: [OTHER],
      archAll: false,
      requestedBy: 'user sam (staff)',
      dscFile: 'misspkg_1.0.dsc',
    });
    expect(readdirSync(path.join(daemon.layout.root, upload.spoolPath)).sort()).toEqual([
      'misspkg_1.0.dsc',
      'misspkg_1.0.tar.xz',
    ]);
    expect(daemon.events.list({ uploadId: id, types: ['ACCEPTED'] })[0]!.message).toBe(
      `build-missing for user sam (staff): misspkg 1.0 in ${UNSTABLE} builds for ${OTHER}`,
    );
    // Its build waits for a builder of OTHER; asked again, nothing more is scheduled.
    await expect.poll(() => uploads.get(id).state, { timeout: 15_000 }).toBe('PACKAGING');
    const again = await missing({ repo: 'test', codename });
    expect(again.body).toEqual({ scheduled: [], skipped: [], dryRun: false });
    const shown = await api(daemon.url, 'show', { input: { package: 'misspkg' } });
    expect(shown.body.versions[0].missingArchitectures).toEqual([OTHER]);
    expect(existsSync(path.join(daemon.layout.root, upload.spoolPath))).toBe(true);
  });
});
