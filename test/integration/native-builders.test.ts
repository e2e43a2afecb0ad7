import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { SchedulerPart } from '../../src/app/parts/scheduler-part.js';
import {
  adminToken,
  api,
  codeversionOf,
  DebBuilder,
  persistentTempDir,
  PipelineUploads,
  startTestDaemon,
} from '../fixtures/index.js';
import { importEmptyChroot, testHost } from '../fixtures/subsystems.js';

/*
 * Builder choice by architecture, through the daemon's real incoming and scheduler: this
 * host has an arm64 chroot it would build in under emulation (an empty tree: a build
 * sent here fails), and a second builder says it builds arm64 natively (it makes
 * .debs instead of building). Every arm64 build goes to the native one while it is up.
 */

const FOREIGN = 'arm64';
let root: string;
let daemon: Daemon;
let uploads: PipelineUploads;
let native: DebBuilder & { up: boolean };
const { codename, architecture: hostArchitecture } = testHost();

beforeAll(async () => {
  root = persistentTempDir('debyard-native-');
  const home = path.join(root, 'home');
  // This host's arm64 chroot: empty (a build sent here fails at once), ready.
  importEmptyChroot(home, { codename, architecture: FOREIGN });
  daemon = await startTestDaemon(home);
  const token = await adminToken(daemon);
  const changed = await api(daemon.url, 'distribution_update', {
    method: 'POST',
    token,
    input: { repo: 'test', codename, architectures: FOREIGN },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  native = Object.assign(new DebBuilder([{ codename, architecture: FOREIGN }], () => 100, 'arm1'), {
    up: true,
    nativeArchitectures: () => [FOREIGN],
  });
  native.available = () => native.up;
  const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
  scheduler.builders.add(() => [native]);
  uploads = new PipelineUploads(daemon, root);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
});

const scheduler = () =>
  (daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart).scheduler;
const entry = (n: number) => ({
  version: `1.0~test${codeversionOf(codename)}+${n}`,
  distribution: `${codename}-test-unstable`,
});

describe('native builders before emulation', () => {
  it('sends an arm64 build to the native arm64 builder, not to this emulating host', async () => {
    const upload = await uploads.installed('hello-any', entry(1));
    expect(
      scheduler()
        .list({ uploadId: upload.id })
        .map((b) => [b.architecture, b.builder, b.emulated]),
    ).toEqual([[FOREIGN, 'arm1', false]]);
    const status = await api(daemon.url, 'status');
    expect(status.body.builders).toEqual([
      expect.objectContaining({
        name: 'local',
        chroots: [`${codename}/${FOREIGN}`],
        emulated: [`${codename}/${FOREIGN}`],
        native: expect.arrayContaining([hostArchitecture]) as unknown,
      }),
      expect.objectContaining({ name: 'arm1', native: [FOREIGN], emulated: [] }),
    ]);
    const text = await api(daemon.url, 'status', { headers: { accept: 'text/plain' } });
    expect(text.status).toBe(200);
  });

  it('emulates only when no native builder is up, and records that the build was emulated', async () => {
    native.up = false;
    const pkg = await uploads.dput('hello-any', entry(2));
    const upload = await uploads.changesIn(pkg.changes, ['BUILDING', 'FAILED', 'INSTALLED']);
    const [build] = scheduler().list({ uploadId: upload.id });
    expect(build).toMatchObject({ architecture: FOREIGN, builder: 'local', emulated: true });
    const events = daemon.events.list({ uploadId: upload.id, types: ['BUILDING'] });
    expect(events[0]!.message).toMatch(new RegExp(`for ${FOREIGN} on local \\(emulated\\)`));
  }, 60_000);
});
