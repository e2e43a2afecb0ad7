import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import {
  codeversionOf,
  fixtureSource,
  persistentTempDir,
  PipelineUploads,
  startTestDaemon,
} from '../../fixtures/index.js';
import { buildRequest, importTestChroot, testBuilder } from '../../fixtures/subsystems.js';

/**
 * The attacks of issue 23 (1 and 2) by anonymous uploads, against a daemon with the
 * README's defaults: each must fail and be seen failing. Three real builds.
 */
let dir: string;
let daemon: Daemon;
let pipeline: PipelineUploads;
let codename: string;

beforeAll(async () => {
  dir = persistentTempDir('debyard-attacks-');
  const home = path.join(dir, 'home');
  ({ codename } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  pipeline = new PipelineUploads(daemon, dir);
}, 15 * 60_000);

afterAll(async () => {
  await daemon?.stop();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('an anonymous uploader', () => {
  it('gets nothing from the host through the postinst of a build dependency', async () => {
    const marker = '/tmp/debyard-attack-marker';
    const wrote = '/tmp/debyard-attack-wrote';
    const token = `host-secret-${randomBytes(8).toString('hex')}`;
    writeFileSync(marker, `${token}\n`, { mode: 0o600 });
    rmSync(wrote, { force: true });
    try {
      const unstable = `${codename}-test-unstable`;
      const version = `1.0~test${codeversionOf(codename)}+1`;
      await pipeline.installed('evil-dep', { version, distribution: unstable });
      const victim = await pipeline.installed('uses-evil-dep', { version, distribution: unstable });
      const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
      const [build] = scheduler.scheduler.list({ uploadId: victim.id });
      const log = readFileSync(
        path.join(daemon.layout.builds, String(build!.id), 'build.log'),
        'utf8',
      );
      // The postinst ran (as root of its sandbox) and found nothing.
      expect(log).toMatch(/^ATTACK: running as uid 0$/m);
      expect(log).toMatch(/^ATTACK: reachable ports: none$/m);
      expect(log).toMatch(/^ATTACK: done$/m);
      expect(log).not.toContain(token);
      expect(log).not.toContain(readFileSync(daemon.layout.adminPassword, 'utf8').trim());
      // What the escape reached is the snapshot's own root, not the host's: the file it
      // wrote to /tmp there is not on the host.
      expect(log).toMatch(/^ATTACK: outer root holds: bin boot build dev etc /m);
      expect(log).toMatch(/^ATTACK: wrote \/tmp\/debyard-attack-wrote$/m);
      expect(existsSync(wrote)).toBe(false);
    } finally {
      rmSync(marker, { force: true });
      rmSync(wrote, { force: true });
    }
  }, 600_000);
});

describe('a build', () => {
  it('cannot make the daemon read a host file by swapping its .changes for a link', async () => {
    const secret = '/tmp/debyard-swap-secret';
    const token = `swap-secret-${randomBytes(8).toString('hex')}`;
    writeFileSync(secret, `${token}\n`, { mode: 0o600 });
    try {
      const env = await testBuilder(path.join(dir, 'snapshots'));
      const result = await env.builder.build(
        buildRequest(fixtureSource('swap-changes'), env.lease),
      );
      await env.groups.close(); // the build's cgroup parent goes with it
      const log = readFileSync(result.logFile, 'utf8');
      expect(log).not.toContain(token);
      for (const file of result.files) expect(readFileSync(file, 'utf8')).not.toContain(token);
      // Either the swapper was killed first, or its link was refused as one.
      if (result.status !== 'successful') {
        expect(result.reason).toMatch(/\.changes is a symbolic link, not a file$/);
      }
    } finally {
      rmSync(secret, { force: true });
    }
  }, 600_000);
});
